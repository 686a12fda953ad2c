using Custos.ControlPlane.Partners;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Tests;

public abstract partial class PartnerUserUseCaseTests
{
    public static TheoryData<string?> InvalidGroupNames => new()
    {
        null,
        "",
        "   ",
        new string('g', 10_000),
        "Night\nshift",
        "Tab\there",
        "Bell\u0007",
    };

    private Task<Result<PartnerGroup>> CreateGroupAsync(AppUser acting, string? name) =>
        UseAsync<CreateGroup, Result<PartnerGroup>>(u => u.HandleAsync(new CreateGroupRequest(As(acting), name), default));

    private Task<Result> RenameGroupAsync(AppUser acting, Guid groupId, string? name) =>
        UseAsync<RenameGroup, Result>(u => u.HandleAsync(new RenameGroupRequest(As(acting), groupId, name), default));

    private Task<Result> DeleteGroupAsync(AppUser acting, Guid groupId) =>
        UseAsync<DeleteGroup, Result>(u => u.HandleAsync(new DeleteGroupRequest(As(acting), groupId), default));

    private Task<Result<GroupOrganizationPage>> ListChoicesAsync(
        AppUser acting, Guid groupId, string? search = null, string? cursor = null, bool backward = false, bool onlyInGroup = false) =>
        UseAsync<ListGroupOrganizations, Result<GroupOrganizationPage>>(u => u.HandleAsync(
            new ListGroupOrganizationsRequest(As(acting), groupId, search, cursor, backward, onlyInGroup), default));

    [Fact]
    public async Task CreateRenameDeleteGroup_ByFullAdministrator_EachAudited()
    {
        var partner = await NewPartnerAsync();
        var admin = await NewUserAsync(partner, PartnerRole.FullAdministrator);

        var group = (await CreateGroupAsync(admin, "  Day shift ")).ShouldSucceed();
        group.Name.ShouldBe("Day shift");
        group.PartnerId.ShouldBe(partner.Id);
        (await RenameGroupAsync(admin, group.Id, "Night shift")).ShouldSucceed();
        (await ReadAsync(db => db.Groups.SingleAsync(g => g.Id == group.Id))).Name.ShouldBe("Night shift");
        (await DeleteGroupAsync(admin, group.Id)).ShouldSucceed();

        (await ReadAsync(db => db.Groups.AnyAsync(g => g.Id == group.Id))).ShouldBeFalse();
        (await AuditOfAsync(partner.Id)).Select(a => a.EventType).ShouldBe(
            [AuditEventType.GroupCreated, AuditEventType.GroupRenamed, AuditEventType.GroupDeleted]);
    }

    [Theory]
    [MemberData(nameof(InvalidGroupNames))]
    public async Task CreateOrRenameGroup_InvalidName_FieldErrorAndNothingSaved(string? name)
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var group = await NewGroupAsync(owner, "Keep me");
        var rows = await CountRowsAsync();

        (await CreateGroupAsync(owner, name)).Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("name");
        (await RenameGroupAsync(owner, group, name)).Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("name");

        (await CountRowsAsync()).ShouldBe(rows);
        (await ReadAsync(db => db.Groups.SingleAsync(g => g.Id == group))).Name.ShouldBe("Keep me");
    }

    [Fact]
    public async Task CreateOrRenameGroup_NameTakenIgnoringCaseAndSpaces_Refused()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        await NewGroupAsync(owner, "Key Accounts");
        var other = await NewGroupAsync(owner, "Others");
        var rows = await CountRowsAsync();

        (await CreateGroupAsync(owner, " key   ACCOUNTS ")).Error.ShouldBeOfType<GroupNameTaken>().Field.ShouldBe("name");
        (await RenameGroupAsync(owner, other, "KEY accounts")).Error.ShouldBeOfType<GroupNameTaken>();
        (await CountRowsAsync()).ShouldBe(rows);

        // Another partner may use the same name; a group may change only its own case.
        var elsewhere = await NewUserAsync(await NewPartnerAsync(), PartnerRole.Owner);
        (await CreateGroupAsync(elsewhere, "Key Accounts")).ShouldSucceed();
        (await RenameGroupAsync(owner, other, "OTHERS")).ShouldSucceed();
        (await RenameGroupAsync(owner, other, "OTHERS")).Error.ShouldBeOfType<NoChange>();
    }

    [Fact]
    public async Task GroupUseCases_GroupOfAnotherPartner_NotFoundAndNothingChanged()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var org = await NewOrgAsync(partner);
        var subOwner = await NewUserAsync(await NewPartnerAsync(partner), PartnerRole.Owner);
        var foreignOwner = await NewUserAsync(await NewPartnerAsync(Seed.Foreign), PartnerRole.Owner);
        var below = await NewGroupAsync(subOwner);
        var foreign = await NewGroupAsync(foreignOwner);
        var rows = await CountRowsAsync();

        foreach (var group in new[] { below, foreign, Guid.NewGuid() })
        {
            (await RenameGroupAsync(owner, group, "Mine now")).Error.ShouldBeOfType<NotFound>();
            (await DeleteGroupAsync(owner, group)).Error.ShouldBeOfType<NotFound>();
            (await SetMembersAsync(owner, group, owner.Id)).Error.ShouldBeOfType<NotFound>();
            (await SetOrganizationsAsync(owner, group, [org], [org])).Error.ShouldBeOfType<NotFound>();
            (await UseAsync<GetGroup, Result<GroupDetails>>(u => u.HandleAsync(As(owner), group, default))).Error.ShouldBeOfType<NotFound>();
            (await ListChoicesAsync(owner, group)).Error.ShouldBeOfType<NotFound>();
        }

        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task SetGroupMembers_SetsExactlyTheGivenUsersAndAudits()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var a = await NewUserAsync(partner, PartnerRole.Administrator);
        var b = await NewUserAsync(partner, PartnerRole.ReadOnly);
        var group = await NewGroupAsync(owner);

        (await SetMembersAsync(owner, group, a.Id, b.Id, a.Id)).ShouldSucceed().ShouldBe(new GroupChange(2, 0));
        (await SetMembersAsync(owner, group, b.Id, owner.Id)).ShouldSucceed().ShouldBe(new GroupChange(1, 1));
        (await SetMembersAsync(owner, group, b.Id, owner.Id)).ShouldSucceed().IsEmpty.ShouldBeTrue();

        (await MembersOfAsync(group)).ShouldBe([b.Id, owner.Id], ignoreOrder: true);
        (await AuditOfAsync(partner.Id)).Count(e => e.EventType == AuditEventType.GroupMembersChanged).ShouldBe(2);
        var details = (await UseAsync<GetGroup, Result<GroupDetails>>(u => u.HandleAsync(As(owner), group, default))).ShouldSucceed();
        details.Users.Where(u => u.IsMember).Select(u => u.Id).ShouldBe([b.Id, owner.Id], ignoreOrder: true);
        details.Users.Length.ShouldBe(3);
    }

    [Fact]
    public async Task SetGroupMembers_UserOfAnotherPartner_RefusedAndNothingSaved()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var below = await NewUserAsync(await NewPartnerAsync(partner), PartnerRole.Administrator);
        var foreign = await NewUserAsync(await NewPartnerAsync(Seed.Foreign), PartnerRole.Administrator);
        var group = await NewGroupAsync(owner);
        var rows = await CountRowsAsync();

        foreach (var stranger in new[] { below.Id, foreign.Id, Guid.NewGuid() })
        {
            (await SetMembersAsync(owner, group, owner.Id, stranger)).Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("members");
        }

        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task SetGroupOrganizations_WithinShownPage_AddsAndRemovesOnlyThereAndAudits()
    {
        var partner = await NewPartnerAsync();
        var sub = await NewPartnerAsync(partner);
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var group = await NewGroupAsync(owner);
        var (o1, o2, o3, subOrg) = (await NewOrgAsync(partner), await NewOrgAsync(partner), await NewOrgAsync(partner), await NewOrgAsync(sub));

        (await SetOrganizationsAsync(owner, group, [o1, o2, subOrg], [o1, subOrg])).ShouldSucceed().ShouldBe(new GroupChange(2, 0));
        // A later page shows only o2 and o3: o1 and subOrg keep their place.
        (await SetOrganizationsAsync(owner, group, [o2, o3], [o3])).ShouldSucceed().ShouldBe(new GroupChange(1, 0));
        (await SetOrganizationsAsync(owner, group, [o1, o3], [o3])).ShouldSucceed().ShouldBe(new GroupChange(0, 1));

        (await OrganizationsOfAsync(group)).ShouldBe([subOrg, o3], ignoreOrder: true);
        (await AuditOfAsync(partner.Id)).Count(e => e.EventType == AuditEventType.GroupOrganizationsChanged).ShouldBe(3);
        var groups = (await UseAsync<ListGroups, Result<GroupRow[]>>(u => u.HandleAsync(As(owner), default))).ShouldSucceed();
        groups.ShouldHaveSingleItem().OrganizationCount.ShouldBe(2);
    }

    [Fact]
    public async Task SetGroupOrganizations_OrganizationOutsideScopeOrNotShown_RefusedAndNothingSaved()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var group = await NewGroupAsync(owner);
        var mine = await NewOrgAsync(partner);
        var above = await NewOrgAsync(Seed.Partner);
        var foreign = await NewOrgAsync(Seed.Foreign);
        var rows = await CountRowsAsync();

        foreach (var stranger in new[] { above, foreign, Guid.NewGuid() })
        {
            (await SetOrganizationsAsync(owner, group, [mine, stranger], [mine, stranger])).Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("organizations");
            (await SetOrganizationsAsync(owner, group, [mine, stranger], [mine])).Error.ShouldBeOfType<ValidationFailed>();
        }

        (await SetOrganizationsAsync(owner, group, [], [mine])).Error.ShouldBeOfType<ValidationFailed>();
        (await CountRowsAsync()).ShouldBe(rows);
    }

    [Fact]
    public async Task ListGroups_CountsMembersAndLiveOrganizations()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var admin = await NewUserAsync(partner, PartnerRole.Administrator);
        var alpha = await NewGroupAsync(owner, "Alpha");
        var beta = await NewGroupAsync(owner, "beta");
        var o1 = await NewOrgAsync(partner);
        var gone = await NewOrgAsync(partner);
        (await SetMembersAsync(owner, alpha, owner.Id, admin.Id)).ShouldSucceed();
        (await SetOrganizationsAsync(owner, alpha, [o1, gone], [o1, gone])).ShouldSucceed();
        (await UseAsync<ControlPlane.Organizations.DeleteOrganization, Result<DeleteOutcome>>(u =>
            u.HandleAsync(new ControlPlane.Organizations.OrganizationCommand(Scope.Everything, Actor.System, gone), default))).ShouldSucceed();

        var groups = (await UseAsync<ListGroups, Result<GroupRow[]>>(u => u.HandleAsync(As(owner), default))).ShouldSucceed();

        groups.ShouldBe([new GroupRow(alpha, "Alpha", 2, 1), new GroupRow(beta, "beta", 0, 0)]);
    }

    [Fact]
    public async Task ListGroupOrganizations_PagesForwardAndBackWithoutGapsAndSearchesLiterally()
    {
        var partner = await NewPartnerAsync();
        var owner = await NewUserAsync(partner, PartnerRole.Owner);
        var group = await NewGroupAsync(owner);
        var tag = NewTag();
        var ids = new List<Guid>();
        for (var i = 0; i < ListGroupOrganizations.PageSize + 5; i++)
        {
            ids.Add(await NewOrgAsync(partner, $"Org {i:000} {tag}"));
        }

        var percent = await NewOrgAsync(partner, $"100% Sure {tag}");
        var underscore = await NewOrgAsync(partner, $"a_b {tag}");
        await NewOrgAsync(Seed.Foreign, $"Org 999 {tag}");
        (await SetOrganizationsAsync(owner, group, [ids[3], ids[52]], [ids[3], ids[52]])).ShouldSucceed();

        var first = (await ListChoicesAsync(owner, group, search: "ORG 0")).ShouldSucceed();
        first.Rows.Length.ShouldBe(ListGroupOrganizations.PageSize);
        first.PreviousCursor.ShouldBeNull();
        first.Rows.Select(r => r.Id).ShouldBe(ids.Take(ListGroupOrganizations.PageSize));
        first.Rows.Where(r => r.InGroup).Select(r => r.Id).ShouldBe([ids[3]]);
        var second = (await ListChoicesAsync(owner, group, search: "ORG 0", cursor: first.NextCursor)).ShouldSucceed();
        second.Rows.Select(r => r.Id).ShouldBe(ids.Skip(ListGroupOrganizations.PageSize));
        second.NextCursor.ShouldBeNull();
        second.Rows.Single(r => r.InGroup).Id.ShouldBe(ids[52]);
        var back = (await ListChoicesAsync(owner, group, search: "ORG 0", cursor: second.PreviousCursor, backward: true)).ShouldSucceed();
        back.Rows.Select(r => r.Id).ShouldBe(first.Rows.Select(r => r.Id));
        back.PreviousCursor.ShouldBeNull();

        (await ListChoicesAsync(owner, group, search: "%")).ShouldSucceed().Rows.Select(r => r.Id).ShouldBe([percent]);
        (await ListChoicesAsync(owner, group, search: "_")).ShouldSucceed().Rows.Select(r => r.Id).ShouldBe([underscore]);
        (await ListChoicesAsync(owner, group, onlyInGroup: true)).ShouldSucceed().Rows.Select(r => r.Id).ShouldBe([ids[3], ids[52]]);
        (await ListChoicesAsync(owner, group, cursor: "not a cursor!")).ShouldSucceed().Rows.Length.ShouldBe(ListGroupOrganizations.PageSize);
        (await ListChoicesAsync(owner, group, search: new string('x', 10_000))).Error.ShouldBeOfType<ValidationFailed>().Field.ShouldBe("q");
        (await ListChoicesAsync(owner, group, search: "a\u0000b")).Error.ShouldBeOfType<ValidationFailed>();
        var publicId = await ReadAsync(db => db.Organizations.Where(o => o.Id == ids[7]).Select(o => o.PublicId).SingleAsync());
        (await ListChoicesAsync(owner, group, search: publicId[^6..].ToLowerInvariant())).ShouldSucceed().Rows.Select(r => r.Id).ShouldContain(ids[7]);
    }
}
