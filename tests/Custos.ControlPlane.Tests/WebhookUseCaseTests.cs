using System.Text.Json;
using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Tests.Infrastructure;
using Custos.ControlPlane.Transfers;
using Custos.ControlPlane.Webhooks;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Custos.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.ControlPlane.Tests;

/// Webhook endpoints and the save step that turns audit entries into messages, on both engines.
/// Each test makes its own partners, so deliveries of other tests never match.
public abstract class WebhookUseCaseTests(DatabaseFixture fixture)
{
    private static readonly Actor Owner = new("user-1", "Olga Owner <olga@example.com>");
    private static readonly Actor Operator = new("operator-1", "Otto Operator");

    private SeededData Seed => fixture.Seed;

    [Fact]
    public async Task Suspend_QueuesOneMessage_ForTheSubscribedEnabledEndpointsOfThePartnerAndEveryPartnerAbove()
    {
        var distributor = await NewPartnerAsync(null);
        var partner = await NewPartnerAsync(distributor);
        var sub = await NewPartnerAsync(partner);
        var foreign = await NewPartnerAsync(null);
        var own = await NewEndpointAsync(partner);
        var above = await NewEndpointAsync(distributor);
        var below = await NewEndpointAsync(sub);
        var other = await NewEndpointAsync(foreign);
        var createdOnly = await NewEndpointAsync(partner, [WebhookEvents.OrganizationCreated]);
        var off = await NewEndpointAsync(partner);
        (await InScopeAsync(sp => sp.GetRequiredService<SetWebhookEndpointEnabled>().HandleAsync(new WebhookActor(partner.Id, Owner), off, false, default)))
            .ShouldSucceed();

        var orgId = await NewOrgAsync(partner);
        (await InScopeAsync(sp => sp.GetRequiredService<SuspendOrganization>().HandleAsync(
            new OrganizationCommand(Scope.Partner(partner), Owner, orgId), default))).ShouldSucceed();

        var created = (await MessagesAsync(orgId, WebhookEvents.OrganizationCreated)).ShouldHaveSingleItem();
        (await ReceiversAsync(created.Id)).ShouldBe([own, above, createdOnly], ignoreOrder: true);
        var suspended = (await MessagesAsync(orgId, WebhookEvents.OrganizationSuspended)).ShouldHaveSingleItem();
        var receivers = await ReceiversAsync(suspended.Id);
        receivers.ShouldBe([own, above], ignoreOrder: true);
        receivers.ShouldNotContain(below);
        receivers.ShouldNotContain(other);

        using var body = JsonDocument.Parse(suspended.Body);
        body.RootElement.GetProperty("type").GetString().ShouldBe("organization.suspended");
        var timestamp = body.RootElement.GetProperty("timestamp").GetString()!;
        timestamp.ShouldEndWith("Z");
        DateTimeOffset.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(fixture.Clock.GetUtcNow());
        var data = body.RootElement.GetProperty("data");
        data.GetProperty("organizationId").GetGuid().ShouldBe(orgId);
        data.GetProperty("partnerId").GetGuid().ShouldBe(partner.Id);
        data.GetProperty("organization").GetProperty("status").GetString().ShouldBe("suspended");
        data.GetProperty("organization").GetProperty("seats").GetInt32().ShouldBe(10);
    }

    [Fact]
    public async Task ChangeSeats_IsOrganizationUpdated_NamingTheChangedFields()
    {
        var partner = await NewPartnerAsync(null);
        var endpoint = await NewEndpointAsync(partner, [WebhookEvents.OrganizationUpdated]);
        var orgId = await NewOrgAsync(partner);

        (await InScopeAsync(sp => sp.GetRequiredService<ChangeSeats>().HandleAsync(
            new OrganizationCommand(Scope.Partner(partner), Owner, orgId), 12, default))).ShouldSucceed();

        var updated = (await MessagesAsync(orgId, WebhookEvents.OrganizationUpdated)).ShouldHaveSingleItem();
        (await ReceiversAsync(updated.Id)).ShouldBe([endpoint]);
        using var body = JsonDocument.Parse(updated.Body);
        body.RootElement.GetProperty("data").GetProperty("changes").EnumerateArray().Select(c => c.GetString()).ShouldBe(["seats"]);
        (await MessagesAsync(orgId, WebhookEvents.OrganizationCreated)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AFailedSave_QueuesNothing_AndTheSameChangesSavedAgainQueueOnce()
    {
        var partner = await NewPartnerAsync(null);
        await NewEndpointAsync(partner);
        var orgId = await NewOrgAsync(partner);

        await InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = fixture.Clock.GetUtcNow();
            db.AuditEntries.Add(AuditEntry.For(AuditEventType.OrganizationDeleted, Owner, now, partner.Id, orgId, null, null));
            var clash = Partner.Create("Clash", "DE", null, isDistributor: false, now).Value!;
            db.Partners.Add(clash);
            db.Entry(clash).Property(p => p.PublicId).CurrentValue = partner.PublicId;
            await Should.ThrowAsync<DbUpdateException>(() => db.SaveChangesAsync());
            (await MessagesAsync(orgId, WebhookEvents.OrganizationDeleted)).ShouldBeEmpty();

            // The caller fixes the problem and saves the same unit of work again.
            db.Partners.Remove(clash);
            await db.SaveChangesAsync();
            return true;
        });

        (await MessagesAsync(orgId, WebhookEvents.OrganizationDeleted)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task ABackupRunReportingASourceInError_SendsOneCredentialError()
    {
        var partner = await NewPartnerAsync(null);
        var endpoint = await NewEndpointAsync(partner);
        var orgId = await NewOrgAsync(partner);
        var error = new SourceState(1, BackupStatus.Error, null, "Re-enter the mailbox password.");
        (await InScopeAsync(sp => sp.GetRequiredService<ISourceStateReports>().RecordAsync(
            orgId, SourceKind.Imap, "Mailbox", new SourceState(1, BackupStatus.Healthy, null, null), "ann@example.com", default)))
            .ShouldSucceed();

        (await InScopeAsync(sp => sp.GetRequiredService<ISourceStateReports>().RecordAsync(orgId, SourceKind.Imap, "Mailbox", error, "ann@example.com", default)))
            .ShouldSucceed();
        (await InScopeAsync(sp => sp.GetRequiredService<ISourceStateReports>().RecordAsync(orgId, SourceKind.Imap, "Mailbox", error, "ann@example.com", default)))
            .ShouldSucceed();

        (await ReadAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == orgId && a.EventType == AuditEventType.BackupSourceInError))).ShouldBe(1);
        var message = (await MessagesAsync(orgId, WebhookEvents.CredentialError)).ShouldHaveSingleItem();
        (await ReceiversAsync(message.Id)).ShouldBe([endpoint]);
        using var body = JsonDocument.Parse(message.Body);
        var source = body.RootElement.GetProperty("data").GetProperty("sources").EnumerateArray().ShouldHaveSingleItem();
        source.GetProperty("kind").GetString().ShouldBe("Imap");
        source.GetProperty("actionNeeded").GetString().ShouldBe("Re-enter the mailbox password.");
    }

    [Fact]
    public async Task Transfers_RequestedGoesToTheOldChain_ExecutedToBothChains()
    {
        var sourceParent = await NewPartnerAsync(null);
        var source = await NewPartnerAsync(sourceParent);
        var target = await NewPartnerAsync(null, offers: [Seed.Backup]);
        var sourceHook = await NewEndpointAsync(sourceParent);
        var targetHook = await NewEndpointAsync(target);
        var orgId = await NewOrgAsync(source);

        var transfer = (await InScopeAsync(sp => sp.GetRequiredService<RequestTransfer>().HandleAsync(orgId, target.PublicId, Owner, default))).ShouldSucceed();
        var cutOff = (await InScopeAsync(sp => sp.GetRequiredService<ApproveTransfer>().HandleAsync(transfer.Id, Operator, null, default)))
            .ShouldSucceed().EffectiveAt!.Value;
        fixture.Clock.SetUtcNow(cutOff); // the class's own clock: other tests read it, never set it
        (await InScopeAsync(sp => sp.GetRequiredService<ExecuteDueTransfers>().HandleAsync(default))).Executed.ShouldBeGreaterThanOrEqualTo(1);

        (await ReceiversAsync((await MessagesAsync(orgId, WebhookEvents.TransferRequested)).ShouldHaveSingleItem().Id)).ShouldBe([sourceHook]);
        (await ReceiversAsync((await MessagesAsync(orgId, WebhookEvents.TransferApproved)).ShouldHaveSingleItem().Id)).ShouldBe([sourceHook]);
        var executed = (await MessagesAsync(orgId, WebhookEvents.TransferExecuted)).ShouldHaveSingleItem();
        (await ReceiversAsync(executed.Id)).ShouldBe([sourceHook, targetHook], ignoreOrder: true);
        using var body = JsonDocument.Parse(executed.Body);
        var moved = body.RootElement.GetProperty("data").GetProperty("transfer");
        moved.GetProperty("transferId").GetGuid().ShouldBe(transfer.Id);
        moved.GetProperty("fromPartnerId").GetGuid().ShouldBe(source.Id);
        moved.GetProperty("toPartnerId").GetGuid().ShouldBe(target.Id);
    }

    [Fact]
    public async Task Create_KeepsTheSecretOnlyEncrypted_AndAudits()
    {
        var partner = await NewPartnerAsync(null);
        var actor = new WebhookActor(partner.Id, Owner);

        var issued = (await InScopeAsync(sp => sp.GetRequiredService<CreateWebhookEndpoint>().HandleAsync(
            new CreateWebhookEndpointRequest(actor, " https://hooks.example.com/custos ", "PSA", null), default))).ShouldSucceed();

        issued.Secret.ShouldStartWith("whsec_");
        var row = await ReadAsync(db => db.WebhookEndpoints.AsNoTracking().SingleAsync(e => e.Id == issued.Endpoint.Id));
        row.Url.ShouldBe("https://hooks.example.com/custos");
        row.ProtectedSecret.ShouldNotContain(issued.Secret[6..]);
        (await InScopeAsync(sp => Task.FromResult(sp.GetRequiredService<WebhookSecrets>().Unprotect(row.ProtectedSecret)))).ShouldBe(issued.Secret);
        var audit = await ReadAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(a => a.PartnerId == partner.Id && a.EventType == AuditEventType.WebhookEndpointCreated));
        audit.ActorName.ShouldBe(Owner.Name);
        audit.After!.ShouldNotContain(issued.Secret);
    }

    [Theory]
    [InlineData("http://hooks.example.com/", null, "url")]
    [InlineData("http://127.0.0.1:8080/", null, "url")]
    [InlineData("https://u:p@hooks.example.com/", null, "url")]
    [InlineData("https://169.254.169.254/latest/meta-data/", null, "url")]
    [InlineData("https://10.0.0.5/x", null, "url")]
    [InlineData("https://localhost/x", null, "url")]
    [InlineData("https://hooks.example.com/", "organization.exploded", "eventTypes")]
    public async Task Create_WithBadInput_IsRefusedOnTheField(string url, string? eventType, string field)
    {
        var partner = await NewPartnerAsync(null);
        var result = await InScopeAsync(sp => sp.GetRequiredService<CreateWebhookEndpoint>().HandleAsync(
            new CreateWebhookEndpointRequest(new WebhookActor(partner.Id, Owner), url, null, eventType is null ? null : [eventType]), default));

        result.Error.ShouldBeOfType<ValidationFailed>().Errors.ShouldContain(e => e.Field == field);
        (await ReadAsync(db => db.WebhookEndpoints.CountAsync(e => e.PartnerId == partner.Id))).ShouldBe(0);
    }

    [Fact]
    public async Task AnotherPartnersEndpoint_IsNotFound_ForEveryChange()
    {
        var partner = await NewPartnerAsync(null);
        var parent = await NewPartnerAsync(null);
        var endpoint = await NewEndpointAsync(partner);
        var stranger = new WebhookActor(parent.Id, Owner);

        (await InScopeAsync(sp => sp.GetRequiredService<ListWebhookEndpoints>().GetAsync(stranger, endpoint, default))).Error.ShouldBeOfType<NotFound>();
        (await InScopeAsync(sp => sp.GetRequiredService<RotateWebhookSecret>().HandleAsync(stranger, endpoint, default))).Error.ShouldBeOfType<NotFound>();
        (await InScopeAsync(sp => sp.GetRequiredService<DeleteWebhookEndpoint>().HandleAsync(stranger, endpoint, default))).Error.ShouldBeOfType<NotFound>();
        (await InScopeAsync(sp => sp.GetRequiredService<SendTestWebhook>().HandleAsync(stranger, endpoint, default))).Error.ShouldBeOfType<NotFound>();
        (await InScopeAsync(sp => sp.GetRequiredService<ListWebhookDeliveries>().HandleAsync(stranger, endpoint, null, 10, default))).Error.ShouldBeOfType<NotFound>();
        (await ReadAsync(db => db.WebhookEndpoints.CountAsync(e => e.Id == endpoint))).ShouldBe(1);
    }

    private Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work) =>
        InScope(fixture.Services, work);

    private static async Task<T> InScope<T>(IServiceProvider services, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    private Task<T> ReadAsync<T>(Func<AppDbContext, Task<T>> query) =>
        InScopeAsync(sp => query(sp.GetRequiredService<AppDbContext>()));

    private Task<List<WebhookMessage>> MessagesAsync(Guid orgId, string type) =>
        ReadAsync(db => db.WebhookMessages.AsNoTracking().Where(m => m.OrganizationId == orgId && m.Type == type).ToListAsync());

    private Task<List<Guid>> ReceiversAsync(Guid messageId) =>
        ReadAsync(db => db.WebhookDeliveries.AsNoTracking().Where(d => d.MessageId == messageId).Select(d => d.EndpointId).ToListAsync());

    private async Task<Guid> NewEndpointAsync(Partner partner, IReadOnlyList<string>? types = null)
    {
        var issued = await InScopeAsync(sp => sp.GetRequiredService<CreateWebhookEndpoint>().HandleAsync(
            new CreateWebhookEndpointRequest(new WebhookActor(partner.Id, Owner), "https://hooks.example.com/" + Tag(), null, types), default));
        return issued.ShouldSucceed().Endpoint.Id;
    }

    private Task<Partner> NewPartnerAsync(Partner? parent, Plan[]? offers = null) =>
        ReadAsync(async db =>
        {
            var partner = Partner.Create("Hooks " + Tag(), "DE", parent, isDistributor: false, fixture.Clock.GetUtcNow()).Value!;
            db.Partners.Add(partner);
            foreach (var plan in offers ?? [])
            {
                db.PlanOfferings.Add(new PlanOffering { PartnerId = partner.Id, PlanId = plan.Id });
            }

            await db.SaveChangesAsync();
            return partner;
        });

    private async Task<Guid> NewOrgAsync(Partner partner)
    {
        var tag = Tag();
        var input = new NewOrganization(new PersonalInfo("Olga", "Owner", $"owner.{tag}@example.com", "DE", $"Hooks {tag}"), false, 10);
        var created = await InScopeAsync(sp => sp.GetRequiredService<CreateOrganization>().HandleAsync(
            new CreateOrganizationRequest(Scope.Partner(partner), Owner, partner.Id, Seed.Backup.Id, input), default));
        return created.ShouldSucceed().Id;
    }

    private static string Tag() => Guid.NewGuid().ToString("N")[..12];
}

public sealed class WebhookUseCaseTests_Sqlite(SqliteFixture fixture)
    : WebhookUseCaseTests(fixture), IClassFixture<SqliteFixture>
{
}

public sealed class WebhookUseCaseTests_Postgres(PostgresFixture fixture)
    : WebhookUseCaseTests(fixture), IClassFixture<PostgresFixture>
{
}
