using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Tests;

public abstract partial class OrganizationUseCaseTests
{
    [Fact]
    public async Task Create_WithSendSignIn_SavesTheOwnersLinkAndMailWithTheOrganization()
    {
        var tag = NewTag();
        var now = Clock.GetUtcNow();

        var created = await UseAsync<CreateOrganization, Result<Organization>>(u => u.HandleAsync(
            new CreateOrganizationRequest(Acting, Ann, Seed.SubPartner.Id, Seed.Backup.Id, NewOrg(Seed.Backup, Info(tag)), SendSignIn: true), default));

        var id = created.ShouldSucceed().Id;
        var mail = (await ReadAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.OrganizationId == id).ToListAsync())).ShouldHaveSingleItem();
        mail.Kind.ShouldBe(OwnerInvitation.Kind);
        mail.ToAddress.ShouldBe($"owner.{tag}@example.com");
        mail.FromName.ShouldBe(Seed.SubPartner.Name);
        mail.PartnerId.ShouldBe(Seed.SubPartner.Id);
        mail.TextBody.ShouldContain("https://custos.test/portal/set-password?token=");
        mail.TextBody.ShouldContain("https://custos.test/portal/");
        var link = (await ReadAsync(db => db.AccessLinks.AsNoTracking().Where(l => l.OrganizationId == id).ToListAsync())).ShouldHaveSingleItem();
        (link.Purpose, link.CreatedAt, link.ExpiresAt, link.UsedAt).ShouldBe((AccessLinkPurpose.Invitation, now, now.AddDays(7), null));
        var token = mail.TextBody.Split("set-password?token=")[1].Split('\n')[0].Trim();
        AccessLink.HashOf(Uri.UnescapeDataString(token)).ShouldBe(link.TokenHash);
        (await AuditOfAsync(id)).Select(a => a.EventType).ShouldBe(
            [AuditEventType.OrganizationCreated, AuditEventType.OrganizationInvitationSent], ignoreOrder: true);
    }

    [Fact]
    public async Task Create_WithSendSignIn_RefusedCreation_LeavesNoLinkAndNoMail()
    {
        var tag = NewTag();
        await CreateOrgAsync(tag: tag);
        var before = await ReadAsync(async db => (Mail: await db.OutboxMessages.CountAsync(), Links: await db.AccessLinks.CountAsync()));

        var again = await UseAsync<CreateOrganization, Result<Organization>>(u => u.HandleAsync(
            new CreateOrganizationRequest(Acting, Ann, Seed.Partner.Id, Seed.Backup.Id, NewOrg(Seed.Backup, Info(tag)), SendSignIn: true), default));

        again.Error.ShouldBeOfType<EmailTaken>();
        (await ReadAsync(async db => (Mail: await db.OutboxMessages.CountAsync(), Links: await db.AccessLinks.CountAsync()))).ShouldBe(before);
    }

    [Fact]
    public async Task SendOwnerInvitation_OnlyForTheOwnerOfALiveOrganizationInScope()
    {
        var id = await CreateOrgAsync();
        var owner = await ReadAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.OrganizationId == id && a.IsOwner));
        var foreign = await CreateOrgAsync(partner: Seed.Foreign);
        var foreignOwner = await ReadAsync(db => db.LoginAccounts.AsNoTracking().SingleAsync(a => a.OrganizationId == foreign));

        (await InviteAsync(Command(foreign), foreignOwner.Id)).Error.ShouldBeOfType<NotFound>();
        (await InviteAsync(Command(id), foreignOwner.Id)).Error.ShouldBeOfType<NotFound>();
        (await ReadAsync(db => db.OutboxMessages.CountAsync(m => m.OrganizationId == foreign || m.OrganizationId == id))).ShouldBe(0);

        (await InviteAsync(Command(id), owner.Id)).ShouldSucceed().ShouldBe(owner.Email);
        (await ReadAsync(db => db.OutboxMessages.CountAsync(m => m.OrganizationId == id && m.Kind == OwnerInvitation.Kind))).ShouldBe(1);
        (await ReadAsync(db => db.AccessLinks.CountAsync(l => l.LoginAccountId == owner.Id))).ShouldBe(1);
        (await AuditOfAsync(id)).Count(a => a.EventType == AuditEventType.OrganizationInvitationSent).ShouldBe(1);

        (await DeleteAsync(Command(id))).ShouldSucceed();
        (await InviteAsync(Command(id), owner.Id)).Error.ShouldBeOfType<AlreadyDeleted>();
        (await ReadAsync(db => db.OutboxMessages.CountAsync(m => m.OrganizationId == id && m.Kind == OwnerInvitation.Kind))).ShouldBe(1);
    }

    private Task<Result<string>> InviteAsync(OrganizationCommand command, Guid loginAccountId) =>
        UseAsync<SendOwnerInvitation, Result<string>>(u => u.HandleAsync(command, loginAccountId, default));
}
