using Custos.ControlPlane.Partners;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.ControlPlane.Tests;

public abstract partial class PartnerUserUseCaseTests
{
    public static TheoryData<string?, string?, PartnerRole?, string> InvalidNewUsers => new()
    {
        { "", "Ann", PartnerRole.Administrator, "email" },
        { "   ", "Ann", PartnerRole.Administrator, "email" },
        { "not-an-email", "Ann", PartnerRole.Administrator, "email" },
        { "ann@localhost", "Ann", PartnerRole.Administrator, "email" },
        { "Ann <ann@example.com>", "Ann", PartnerRole.Administrator, "email" },
        { new string('a', 10_000) + "@example.com", "Ann", PartnerRole.Administrator, "email" },
        { "ann\u0000@example.com", "Ann", PartnerRole.Administrator, "email" },
        { "ann@example.com", "", PartnerRole.Administrator, "displayName" },
        { "ann@example.com", new string('n', 10_000), PartnerRole.Administrator, "displayName" },
        { "ann@example.com", "Ann\nSmith", PartnerRole.Administrator, "displayName" },
        { "ann@example.com", "Ann\u0007", PartnerRole.Administrator, "displayName" },
        { "ann@example.com", "Ann", null, "role" },
        { "ann@example.com", "Ann", (PartnerRole)99, "role" },
    };

    [Fact]
    public async Task CreateUser_ByOwner_AddsUserWithoutPasswordAndItsTokenSetsOne()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var email = $"New.User.{NewTag()}@Example.com";

        var created = (await CreateUserAsync(owner, $"  {email} ", " Nina New ", PartnerRole.Administrator)).ShouldSucceed();

        var user = (await FindUserAsync(created.UserId)).ShouldNotBeNull();
        user.Email.ShouldBe(email);
        user.UserName.ShouldBe(email);
        user.DisplayName.ShouldBe("Nina New");
        user.PartnerId.ShouldBe(partner.Id);
        user.Role.ShouldBe(PartnerRole.Administrator);
        user.PasswordHash.ShouldBeNull();
        user.IsOperator.ShouldBeFalse();
        var entry = (await AuditOfAsync(partner.Id)).ShouldHaveSingleItem();
        entry.EventType.ShouldBe(AuditEventType.PartnerUserCreated);
        entry.ActorId.ShouldBe(owner.Id.ToString());
        entry.After.ShouldNotBeNull().ShouldContain(email);

        // The invitation token is Identity's own: the new user sets a password with it, once.
        var (first, second) = await InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<AppUser>>();
            var stored = (await users.FindByEmailAsync(email.ToUpperInvariant())).ShouldNotBeNull();
            var set = await users.ResetPasswordAsync(stored, created.SetPasswordToken, "A-long-enough-password-1");
            var again = await users.ResetPasswordAsync(stored, created.SetPasswordToken, "Another-long-password-2");
            return (set, again);
        });
        first.Succeeded.ShouldBeTrue(string.Join("; ", first.Errors.Select(e => e.Description)));
        second.Succeeded.ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(InvalidNewUsers))]
    public async Task CreateUser_InvalidInput_FieldErrorAndNothingSaved(string? email, string? name, PartnerRole? role, string field)
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var rows = await CountRowsAsync();

        var error = (await CreateUserAsync(owner, email, name, role)).Error;

        var failed = error.ShouldBeOfType<ValidationFailed>();
        failed.Errors.Select(e => e.Field).ShouldContain(field);
        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task CreateUser_EmailOfAnyExistingUser_RefusedWhateverTheCaseOrPartner()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var elsewhere = await NewUserAsync(await NewPartnerAsync(Seed.Foreign), PartnerRole.ReadOnly);
        var rows = await CountRowsAsync();

        var error = (await CreateUserAsync(owner, " " + elsewhere.Email!.ToUpperInvariant(), "Copy", PartnerRole.ReadOnly)).Error;

        error.ShouldBeOfType<UserEmailTaken>().Field.ShouldBe("email");
        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task CreateUser_RaceForOneEmail_ExactlyOneUser()
    {
        var rendezvous = new SaveRendezvous();
        await using var services = fixture.BuildServices(o => o.AddInterceptors(rendezvous));
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var email = $"race.{NewTag()}@example.com";

        rendezvous.Arm(2);
        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => Task.Run(async () =>
        {
            await using var scope = services.CreateAsyncScope();
            return (await scope.ServiceProvider.GetRequiredService<CreatePartnerUser>().HandleAsync(
                new CreatePartnerUserRequest(As(owner), i == 0 ? email : email.ToUpperInvariant(), $"Racer {i}", PartnerRole.ReadOnly), default)).Error;
        })));

        results.Count(e => e is null).ShouldBe(1);
        results.Single(e => e is not null).ShouldBeOfType<UserEmailTaken>();
        (await ReadAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == email.ToUpperInvariant()))).ShouldBe(1);
    }

    [Theory]
    [InlineData(PartnerRole.Administrator)]
    [InlineData(PartnerRole.ReadOnly)]
    public async Task UserAndGroupChanges_ByAdministratorOrReadOnly_NotAllowedAndNothingSaved(PartnerRole role)
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var actor = await NewUserAsync(partner, role);
        var other = await NewUserAsync(partner, PartnerRole.ReadOnly);
        var group = await NewGroupAsync(owner);
        var org = await NewOrgAsync(partner);
        var rows = await CountRowsAsync();

        (await CreateUserAsync(actor, $"x.{NewTag()}@example.com", "X", PartnerRole.ReadOnly)).Error.ShouldBeOfType<UserManagementNotAllowed>();
        (await ChangeRoleAsync(actor, other.Id, PartnerRole.Administrator)).Error.ShouldBeOfType<UserManagementNotAllowed>();
        (await RemoveAsync(actor, other.Id)).Error.ShouldBeOfType<UserManagementNotAllowed>();
        (await UseAsync<CreateGroup, Result<Domain.Partners.PartnerGroup>>(u => u.HandleAsync(new CreateGroupRequest(As(actor), "Mine"), default)))
            .Error.ShouldBeOfType<UserManagementNotAllowed>();
        (await UseAsync<RenameGroup, Result>(u => u.HandleAsync(new RenameGroupRequest(As(actor), group, "Renamed"), default)))
            .Error.ShouldBeOfType<UserManagementNotAllowed>();
        (await UseAsync<DeleteGroup, Result>(u => u.HandleAsync(new DeleteGroupRequest(As(actor), group), default)))
            .Error.ShouldBeOfType<UserManagementNotAllowed>();
        (await SetMembersAsync(actor, group, actor.Id)).Error.ShouldBeOfType<UserManagementNotAllowed>();
        (await SetOrganizationsAsync(actor, group, [org], [org])).Error.ShouldBeOfType<UserManagementNotAllowed>();
        (await UseAsync<ListPartnerUsers, Result<PartnerUserRow[]>>(u => u.HandleAsync(As(actor), default)))
            .Error.ShouldBeOfType<UserManagementNotAllowed>();

        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task Changes_ByOwnerDemotedSinceSigningIn_NotAllowed()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var demoted = await NewUserAsync(partner, PartnerRole.Owner);
        (await ChangeRoleAsync(owner, demoted.Id, PartnerRole.ReadOnly)).ShouldSucceed();

        // Their sign-in cookie may still say Owner; the use case asks the database.
        (await CreateUserAsync(demoted, $"late.{NewTag()}@example.com", "Late", PartnerRole.Owner)).Error.ShouldBeOfType<UserManagementNotAllowed>();
    }

    [Theory]
    [InlineData(PartnerRole.Owner, PartnerRole.Owner, true)]
    [InlineData(PartnerRole.Owner, PartnerRole.FullAdministrator, true)]
    [InlineData(PartnerRole.FullAdministrator, PartnerRole.Owner, false)]
    [InlineData(PartnerRole.FullAdministrator, PartnerRole.FullAdministrator, true)]
    [InlineData(PartnerRole.FullAdministrator, PartnerRole.Administrator, true)]
    [InlineData(PartnerRole.FullAdministrator, PartnerRole.ReadOnly, true)]
    public async Task CreateUser_OnlyOwnersCreateOwners(PartnerRole actorRole, PartnerRole newRole, bool allowed)
    {
        var partner = await NewPartnerAsync();
        var actor = await NewUserAsync(partner, actorRole);

        var result = await CreateUserAsync(actor, $"role.{NewTag()}@example.com", "Role Test", newRole);

        if (allowed)
        {
            result.ShouldSucceed().Role.ShouldBe(newRole);
        }
        else
        {
            result.Error.ShouldBeOfType<OwnerRoleReserved>();
        }
    }

    [Fact]
    public async Task ChangeRole_LastOwner_RefusedAndStillOwner()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var rows = await CountRowsAsync();

        (await ChangeRoleAsync(owner, owner.Id, PartnerRole.FullAdministrator)).Error.ShouldBeOfType<LastOwner>();

        (await FindUserAsync(owner.Id)).ShouldNotBeNull().Role.ShouldBe(PartnerRole.Owner);
        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task ChangeRole_OwnerWithAnotherOwner_DemotesAndAudits()
    {
        var partner = await NewPartnerAsync();
        var first = await NewUserAsync(partner, PartnerRole.Owner);
        var second = await NewUserAsync(partner, PartnerRole.Owner);

        (await ChangeRoleAsync(first, second.Id, PartnerRole.Administrator)).ShouldSucceed();

        (await FindUserAsync(second.Id)).ShouldNotBeNull().Role.ShouldBe(PartnerRole.Administrator);
        var entry = (await AuditOfAsync(partner.Id)).ShouldHaveSingleItem();
        entry.EventType.ShouldBe(AuditEventType.PartnerUserRoleChanged);
        entry.Before.ShouldNotBeNull().ShouldContain("Owner");
        entry.After.ShouldNotBeNull().ShouldContain("Administrator");

        // Now `first` is the last owner: it cannot step down.
        (await ChangeRoleAsync(first, first.Id, PartnerRole.ReadOnly)).Error.ShouldBeOfType<LastOwner>();
    }

    [Theory]
    [InlineData(PartnerRole.Owner, PartnerRole.FullAdministrator, PartnerRole.Owner, true)]
    [InlineData(PartnerRole.Owner, PartnerRole.Owner, PartnerRole.ReadOnly, true)]
    [InlineData(PartnerRole.FullAdministrator, PartnerRole.Administrator, PartnerRole.Owner, false)]
    [InlineData(PartnerRole.FullAdministrator, PartnerRole.Owner, PartnerRole.Administrator, false)]
    [InlineData(PartnerRole.FullAdministrator, PartnerRole.ReadOnly, PartnerRole.FullAdministrator, true)]
    [InlineData(PartnerRole.FullAdministrator, PartnerRole.FullAdministrator, PartnerRole.ReadOnly, true)]
    public async Task ChangeRole_OnlyOwnersGrantOrTakeTheOwnerRole(PartnerRole actorRole, PartnerRole from, PartnerRole to, bool allowed)
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var actor = actorRole == PartnerRole.Owner ? owner : await NewUserAsync(partner, actorRole);
        var target = await NewUserAsync(partner, from);

        var result = await ChangeRoleAsync(actor, target.Id, to);

        if (allowed)
        {
            result.ShouldSucceed();
            (await FindUserAsync(target.Id)).ShouldNotBeNull().Role.ShouldBe(to);
        }
        else
        {
            result.Error.ShouldBeOfType<OwnerRoleReserved>();
            (await FindUserAsync(target.Id)).ShouldNotBeNull().Role.ShouldBe(from);
        }
    }

    [Fact]
    public async Task ChangeRole_SameRoleOrNoRole_RefusedWithoutAudit()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var user = await NewUserAsync(partner, PartnerRole.Administrator);
        var rows = await CountRowsAsync();

        (await ChangeRoleAsync(owner, user.Id, PartnerRole.Administrator)).Error.ShouldBeOfType<NoChange>();
        (await ChangeRoleAsync(owner, user.Id, null)).Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("role");
        (await ChangeRoleAsync(owner, user.Id, (PartnerRole)42)).Error.ShouldBeOfType<ValidationFailed>();

        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task ChangeRoleOrRemove_UserOfAnotherPartner_NotFound()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var below = await NewUserAsync(await NewPartnerAsync(partner), PartnerRole.ReadOnly);
        var above = await NewUserAsync(await NewPartnerAsync(Seed.Distributor), PartnerRole.ReadOnly);
        var foreign = await NewUserAsync(await NewPartnerAsync(Seed.Foreign), PartnerRole.ReadOnly);
        var rows = await CountRowsAsync();

        // A partner manages only its own users: not a sub-partner's, nor anyone else's.
        foreach (var user in new[] { below, above, foreign })
        {
            (await ChangeRoleAsync(owner, user.Id, PartnerRole.Administrator)).Error.ShouldBeOfType<NotFound>();
            (await RemoveAsync(owner, user.Id)).Error.ShouldBeOfType<NotFound>();
        }

        (await ChangeRoleAsync(owner, Guid.NewGuid(), PartnerRole.Administrator)).Error.ShouldBeOfType<NotFound>();
        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task TwoOwners_DemotingEachOtherAtOnce_OneOwnerRemains()
    {
        var rendezvous = new SaveRendezvous();
        await using var services = fixture.BuildServices(o => o.AddInterceptors(rendezvous));
        for (var round = 0; round < 3; round++)
        {
            var partner = await NewPartnerAsync();
            var a = await NewUserAsync(partner, PartnerRole.Owner);
            var b = await NewUserAsync(partner, PartnerRole.Owner);

            // Round 2 mixes a removal with a demotion: the same guarantee holds.
            rendezvous.Arm(2);
            var results = await Task.WhenAll(
                Task.Run(async () =>
                {
                    await using var scope = services.CreateAsyncScope();
                    return (await scope.ServiceProvider.GetRequiredService<ChangePartnerUserRole>()
                        .HandleAsync(new ChangePartnerUserRoleRequest(As(a), b.Id, PartnerRole.ReadOnly), default)).Error;
                }),
                Task.Run(async () =>
                {
                    await using var scope = services.CreateAsyncScope();
                    return round == 2
                        ? (await scope.ServiceProvider.GetRequiredService<RemovePartnerUser>()
                            .HandleAsync(new RemovePartnerUserRequest(As(b), a.Id), default)).Error
                        : (await scope.ServiceProvider.GetRequiredService<ChangePartnerUserRole>()
                            .HandleAsync(new ChangePartnerUserRoleRequest(As(b), a.Id, PartnerRole.ReadOnly), default)).Error;
                }));

            results.Count(e => e is null).ShouldBe(1, $"round {round}: {string.Join(", ", results.Select(e => e?.ToString() ?? "ok"))}");
            results.Single(e => e is not null).ShouldBeOfType<UsersChangedMeanwhile>();
            var owners = await ReadAsync(db => db.Users.CountAsync(u => u.PartnerId == partner.Id && u.Role == PartnerRole.Owner));
            owners.ShouldBe(1);
            (await AuditOfAsync(partner.Id)).Count.ShouldBe(1);
        }
    }

    [Fact]
    public async Task Remove_OtherUser_DeletesUserAndMembershipsAndAudits()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var user = await NewUserAsync(partner, PartnerRole.Administrator);
        var group = await NewGroupAsync(owner);
        (await SetMembersAsync(owner, group, user.Id, owner.Id)).ShouldSucceed();

        (await RemoveAsync(owner, user.Id)).ShouldSucceed();

        (await FindUserAsync(user.Id)).ShouldBeNull();
        (await MembersOfAsync(group)).ShouldBe([owner.Id]);
        var entry = (await AuditOfAsync(partner.Id)).Last();
        entry.EventType.ShouldBe(AuditEventType.PartnerUserRemoved);
        entry.Before.ShouldNotBeNull().ShouldContain(user.Email!);
        entry.After.ShouldBeNull();
    }

    [Fact]
    public async Task Remove_Yourself_Refused()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        await NewUserAsync(partner, PartnerRole.Owner);
        var admin = await NewUserAsync(partner, PartnerRole.FullAdministrator);

        (await RemoveAsync(owner, owner.Id)).Error.ShouldBeOfType<CannotRemoveYourself>();
        (await RemoveAsync(admin, admin.Id)).Error.ShouldBeOfType<CannotRemoveYourself>();

        (await FindUserAsync(owner.Id)).ShouldNotBeNull();
        (await FindUserAsync(admin.Id)).ShouldNotBeNull();
    }

    [Fact]
    public async Task Remove_OwnerByFullAdministrator_Refused_ByAnotherOwner_Allowed()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var second = await NewUserAsync(partner, PartnerRole.Owner);
        var admin = await NewUserAsync(partner, PartnerRole.FullAdministrator);

        (await RemoveAsync(admin, owner.Id)).Error.ShouldBeOfType<OwnerRoleReserved>();
        (await RemoveAsync(second, owner.Id)).ShouldSucceed();

        // The one owner left cannot go: not by itself, not by a full administrator.
        (await RemoveAsync(second, second.Id)).Error.ShouldBeOfType<CannotRemoveYourself>();
        (await RemoveAsync(admin, second.Id)).Error.ShouldBeOfType<OwnerRoleReserved>();
        (await FindUserAsync(second.Id)).ShouldNotBeNull().Role.ShouldBe(PartnerRole.Owner);
    }

    [Fact]
    public void LastOwnerRule_ForRemoval_HoldsWhoeverAsks()
    {
        PartnerUserRules.MayRemove(PartnerRole.Owner, PartnerRole.Owner, isSelf: false, otherOwners: 0).ShouldBeOfType<LastOwner>();
        PartnerUserRules.MayRemove(PartnerRole.Owner, PartnerRole.Owner, isSelf: false, otherOwners: 1).ShouldBeNull();
        PartnerUserRules.MayChangeRole(PartnerRole.Owner, PartnerRole.Owner, PartnerRole.ReadOnly, otherOwners: 0).ShouldBeOfType<LastOwner>();
    }

    [Fact]
    public async Task ListUsers_ShowsOwnUsersOnlyWithGroupsMfaLockoutAndInvitation()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var invited = (await CreateUserAsync(owner, $"invited.{NewTag()}@example.com", "Ivy Invited", PartnerRole.ReadOnly)).ShouldSucceed();
        await NewUserAsync(await NewPartnerAsync(partner), PartnerRole.Owner);
        var group = await NewGroupAsync(owner, "Night shift");
        (await SetMembersAsync(owner, group, invited.UserId)).ShouldSucceed();
        await InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<AppUser>>();
            var stored = (await users.FindByIdAsync(invited.UserId.ToString())).ShouldNotBeNull();
            (await users.SetTwoFactorEnabledAsync(stored, true)).Succeeded.ShouldBeTrue();
            (await users.SetLockoutEndDateAsync(stored, fixture.Clock.GetUtcNow().AddMinutes(10))).Succeeded.ShouldBeTrue();
            return true;
        });

        var rows = (await UseAsync<ListPartnerUsers, Result<PartnerUserRow[]>>(u => u.HandleAsync(As(owner), default))).ShouldSucceed();

        rows.Select(r => r.Id).ShouldBe([invited.UserId, owner.Id], ignoreOrder: true);
        var ivy = rows.Single(r => r.Id == invited.UserId);
        ivy.Groups.ShouldBe(["Night shift"]);
        ivy.MfaEnabled.ShouldBeTrue();
        ivy.LockedOut.ShouldBeTrue();
        ivy.InvitationPending.ShouldBeTrue();
        ivy.Role.ShouldBe(PartnerRole.ReadOnly);
        var me = rows.Single(r => r.Id == owner.Id);
        me.Groups.ShouldBeEmpty();
        me.MfaEnabled.ShouldBeFalse();
        me.LockedOut.ShouldBeFalse();
    }
}
