using Custos.ControlPlane.CustomerPortal;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace Custos.ControlPlane.Tests;

/// The customer portal's use cases: password links, sign-in with lockout and two-factor, the status
/// rules, account settings, and "log in as client".
public abstract partial class OrganizationUseCaseTests
{
    private const string PortalPassword = "Portal-Password-42";

    private async Task<(Guid Org, LoginAccount Owner)> OrgWithOwnerPasswordAsync(Partner? partner = null)
    {
        var id = await CreateOrgAsync(partner);
        var token = await IssueLinkAsync(id, AccessLinkPurpose.Invitation);
        (await UseAsync<SetCustomerPassword, Result<string>>(u => u.HandleAsync(token, AccessLinkPurpose.Invitation, PortalPassword, default))).ShouldSucceed();
        return (id, await OwnerOfAsync(id));
    }

    private Task<LoginAccount> OwnerOfAsync(Guid id) =>
        ReadAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.OrganizationId == id && a.IsOwner));

    private Task<string> IssueLinkAsync(Guid id, AccessLinkPurpose purpose) =>
        ReadAsync(async db =>
        {
            var owner = await db.LoginAccounts.SingleAsync(a => a.OrganizationId == id && a.IsOwner);
            var (link, token) = AccessLink.Issue(owner, purpose, Clock.GetUtcNow());
            db.AccessLinks.Add(link);
            await db.SaveChangesAsync();
            return token;
        });

    private Task<Result<CustomerSignedIn>> PortalSignInAsync(string email, string password) =>
        UseAsync<SignInCustomer, Result<CustomerSignedIn>>(u => u.WithPasswordAsync(email, password, default));

    private async Task<Guid> GroupedUserAsync(PartnerRole role = PartnerRole.Owner)
    {
        var userId = await AddUserAsync(role);
        await ReadAsync(async db =>
        {
            var group = PartnerGroup.Create(Seed.Partner.Id, "Clients " + NewTag(), Clock.GetUtcNow()).Value!;
            db.Groups.Add(group);
            db.GroupMembers.Add(new PartnerGroupMember { GroupId = group.Id, UserId = userId });
            return await db.SaveChangesAsync();
        });
        return userId;
    }

    private Task<Result<string>> IssueTicketAsync(Guid userId, Guid organizationId, Scope? scope = null) =>
        UseAsync<LogInAsClient, Result<string>>(u => u.IssueAsync(scope ?? Acting, userId, "Adam Admin <adam@partner.test>", organizationId, default));

    private Task<Result<ClientSession>> RedeemAsync(string? token, Guid userId) =>
        UseAsync<LogInAsClient, Result<ClientSession>>(u => u.RedeemAsync(token, userId, default));

    [Fact]
    public async Task InvitationLink_SetsAHashedPasswordOnce_AndIsAudited()
    {
        var id = await CreateOrgAsync();
        var token = await IssueLinkAsync(id, AccessLinkPurpose.Invitation);

        (await UseAsync<SetCustomerPassword, Result<string>>(u => u.CheckAsync(token, AccessLinkPurpose.PasswordReset, default))).Error.ShouldBeOfType<AccessLinkInvalid>();
        (await UseAsync<SetCustomerPassword, Result<string>>(u => u.HandleAsync(token, AccessLinkPurpose.Invitation, "too-short", default))).Error.ShouldBeOfType<ValidationFailed>();
        (await UseAsync<SetCustomerPassword, Result<string>>(u => u.HandleAsync(token, AccessLinkPurpose.Invitation, PortalPassword, default))).ShouldSucceed();
        var again = await UseAsync<SetCustomerPassword, Result<string>>(u => u.HandleAsync(token, AccessLinkPurpose.Invitation, "Another-Password-1", default));

        again.Error.ShouldBeOfType<AccessLinkUsed>();
        var owner = await OwnerOfAsync(id);
        owner.PasswordHash.ShouldNotBeNull();
        owner.PasswordHash.ShouldNotContain(PortalPassword);
        (await PortalSignInAsync(owner.Email, PortalPassword)).ShouldSucceed().AccountId.ShouldBe(owner.Id);
        (await PortalSignInAsync(owner.Email, "Another-Password-1")).Error.ShouldBeOfType<WrongCredentials>();
        (await AuditOfAsync(id)).Count(a => a.EventType == AuditEventType.CustomerPasswordSet).ShouldBe(1);
    }

    [Fact]
    public async Task ResetLink_ExpiresAfterOneHour()
    {
        var id = await CreateOrgAsync();
        var token = await IssueLinkAsync(id, AccessLinkPurpose.PasswordReset);

        Clock.Advance(TimeSpan.FromHours(1));

        (await UseAsync<SetCustomerPassword, Result<string>>(u => u.HandleAsync(token, AccessLinkPurpose.PasswordReset, PortalPassword, default)))
            .Error.ShouldBeOfType<AccessLinkExpired>();
        (await OwnerOfAsync(id)).PasswordHash.ShouldBeNull();
    }

    [Fact]
    public async Task SignIn_FiveFailuresLockFor15Minutes_ThenTheRightPasswordWorksAgain()
    {
        var (id, owner) = await OrgWithOwnerPasswordAsync();

        for (var i = 0; i < 4; i++)
        {
            (await PortalSignInAsync(owner.Email, "Wrong-Password-" + i)).Error.ShouldBeOfType<WrongCredentials>();
        }

        (await PortalSignInAsync(owner.Email, "Wrong-Password-5")).Error.ShouldBeOfType<CustomerLockedOut>();
        (await PortalSignInAsync(owner.Email, PortalPassword)).Error.ShouldBeOfType<CustomerLockedOut>();
        Clock.Advance(TimeSpan.FromMinutes(15));
        (await PortalSignInAsync(owner.Email.ToUpperInvariant(), PortalPassword)).ShouldSucceed();
        (await AuditOfAsync(id)).Count(a => a.EventType == AuditEventType.CustomerLockedOut).ShouldBe(1);
    }

    [Theory]
    [InlineData(CommandKind.Suspend, typeof(CustomerAccessSuspended))]
    [InlineData(CommandKind.Unsubscribe, null)]
    [InlineData(CommandKind.Delete, typeof(WrongCredentials))]
    public async Task SignIn_FollowsTheOrganizationsStatus(CommandKind command, Type? refused)
    {
        var (id, owner) = await OrgWithOwnerPasswordAsync();

        (await RunAsync(command, Command(id))).ShouldBeNull();

        var signedIn = await PortalSignInAsync(owner.Email, PortalPassword);
        if (refused is null)
        {
            signedIn.ShouldSucceed();
        }
        else
        {
            signedIn.Error.ShouldBeOfType(refused);
        }
    }

    [Fact]
    public async Task UpdateDetails_IsRefusedWhileUnsubscribed_AndAuditedOtherwise()
    {
        var (id, owner) = await OrgWithOwnerPasswordAsync();
        var actor = CustomerActors.Of(owner, "partner-user", "Adam Admin");

        (await UseAsync<UpdateCustomerDetails, Result>(u => u.HandleAsync(owner.Id, actor, "", "Owner", default))).Error.ShouldBeOfType<ValidationFailed>();
        (await UseAsync<UpdateCustomerDetails, Result>(u => u.HandleAsync(owner.Id, actor, "Olga", "Owner", default))).ShouldSucceed();
        (await RunAsync(CommandKind.Unsubscribe, Command(id))).ShouldBeNull();
        (await UseAsync<UpdateCustomerDetails, Result>(u => u.HandleAsync(owner.Id, actor, "Mallory", "Owner", default))).Error.ShouldBeOfType<CustomerReadOnly>();

        (await OwnerOfAsync(id)).FirstName.ShouldBe("Olga");
        var audit = (await AuditOfAsync(id)).Single(a => a.EventType == AuditEventType.CustomerDetailsUpdated);
        (audit.ActorId, audit.ImpersonatorId, audit.ImpersonatorName).ShouldBe((owner.Id.ToString(), "partner-user", "Adam Admin"));
    }

    [Fact]
    public async Task TwoFactor_OnceOn_SignInNeedsACode_AndACodeWorksOnlyOnce()
    {
        var (_, owner) = await OrgWithOwnerPasswordAsync();
        var key = (await UseAsync<CustomerTwoFactor, Result<string>>(u => u.KeyForEnrolmentAsync(owner.Id, default))).ShouldSucceed();
        (await UseAsync<CustomerTwoFactor, Result<string>>(u => u.KeyForEnrolmentAsync(owner.Id, default))).ShouldSucceed().ShouldBe(key);
        var totp = new Totp(Base32Encoding.ToBytes(key));
        string Code(int steps = 0) => totp.ComputeTotp(Clock.GetUtcNow().UtcDateTime.AddSeconds(30 * steps));
        var actor = CustomerActors.Of(owner);

        (await UseAsync<CustomerTwoFactor, Result<int>>(u => u.EnableAsync(owner.Id, actor, Code() == "000000" ? "111111" : "000000", default))).Error.ShouldBeOfType<WrongCode>();
        var version = (await UseAsync<CustomerTwoFactor, Result<int>>(u => u.EnableAsync(owner.Id, actor, Code(), default))).ShouldSucceed();
        version.ShouldBeGreaterThan(owner.SessionVersion);

        var first = (await PortalSignInAsync(owner.Email, PortalPassword)).ShouldSucceed();
        first.NeedsCode.ShouldBeTrue();
        (await UseAsync<SignInCustomer, Result<CustomerSignedIn>>(u => u.WithCodeAsync(owner.Id, first.SessionVersion, Code(), default)))
            .Error.ShouldBeOfType<TwoFactorCodeReused>();
        Clock.Advance(TimeSpan.FromSeconds(30));
        (await UseAsync<SignInCustomer, Result<CustomerSignedIn>>(u => u.WithCodeAsync(owner.Id, first.SessionVersion - 1, Code(), default)))
            .Error.ShouldBeOfType<SignInTimedOut>();
        (await UseAsync<SignInCustomer, Result<CustomerSignedIn>>(u => u.WithCodeAsync(owner.Id, first.SessionVersion, Code(), default)))
            .ShouldSucceed().NeedsCode.ShouldBeFalse();
    }

    [Fact]
    public async Task LogInAsClient_TicketWorksOnceWithin60Seconds_ForItsOwnUser_AndRecordsBothIdentities()
    {
        var (id, owner) = await OrgWithOwnerPasswordAsync();
        var userId = await GroupedUserAsync();
        var otherId = await GroupedUserAsync();

        var token = (await IssueTicketAsync(userId, id)).ShouldSucceed();
        (await RedeemAsync(token, otherId)).Error.ShouldBeOfType<ImpersonationTicketRefused>();
        (await RedeemAsync(token + "x", userId)).Error.ShouldBeOfType<ImpersonationTicketRefused>();
        (await RedeemAsync(null, userId)).Error.ShouldBeOfType<ImpersonationTicketRefused>();
        var session = (await RedeemAsync(token, userId)).ShouldSucceed();
        (await RedeemAsync(token, userId)).Error.ShouldBeOfType<ImpersonationTicketUsed>();

        (session.AccountId, session.OrganizationId, session.PartnerUserId).ShouldBe((owner.Id, id, userId));
        session.EndsAt.ShouldBe(Clock.GetUtcNow() + TimeSpan.FromMinutes(30));
        var audit = (await AuditOfAsync(id)).Single(a => a.EventType == AuditEventType.PartnerSignedInAsClient);
        (audit.ActorId, audit.ImpersonatorId, audit.ImpersonatorName).ShouldBe((owner.Id.ToString(), userId.ToString(), "Adam Admin <adam@partner.test>"));

        var late = (await IssueTicketAsync(userId, id)).ShouldSucceed();
        Clock.Advance(TimeSpan.FromSeconds(60));
        (await RedeemAsync(late, userId)).Error.ShouldBeOfType<ImpersonationTicketExpired>();
    }

    [Fact]
    public async Task LogInAsClient_RefusedWithoutAGroup_ForDeletedAndSuspended_AndOutsideTheScope()
    {
        var id = await CreateOrgAsync();
        var deleted = await CreateOrgAsync();
        var suspended = await CreateOrgAsync();
        var foreign = await CreateOrgAsync(partner: Seed.Foreign);
        (await RunAsync(CommandKind.Delete, Command(deleted))).ShouldBeNull();
        (await RunAsync(CommandKind.Suspend, Command(suspended))).ShouldBeNull();
        var loner = await AddUserAsync(PartnerRole.Owner);
        var grouped = await GroupedUserAsync();

        (await IssueTicketAsync(loner, id)).Error.ShouldBeOfType<NotInAnyGroup>();
        (await IssueTicketAsync(grouped, deleted)).Error.ShouldBeOfType<ClientPortalClosed>();
        (await IssueTicketAsync(grouped, suspended)).Error.ShouldBeOfType<ClientPortalClosed>();
        (await IssueTicketAsync(grouped, foreign)).Error.ShouldBeOfType<NotFound>();
        (await ReadAsync(db => db.ImpersonationTickets.CountAsync(t => t.OrganizationId == id || t.OrganizationId == deleted
            || t.OrganizationId == suspended || t.OrganizationId == foreign))).ShouldBe(0);

        var token = (await IssueTicketAsync(grouped, id)).ShouldSucceed();
        (await RunAsync(CommandKind.Suspend, Command(id))).ShouldBeNull();
        (await RedeemAsync(token, grouped)).Error.ShouldBeOfType<ClientPortalClosed>();
    }
}
