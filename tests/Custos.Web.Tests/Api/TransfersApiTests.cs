using System.Net;
using System.Text.Json;
using Custos.ControlPlane.Transfers;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Partners;
using Custos.Domain.Transfers;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Web.Tests.Api;

/// Transfer requests over the API: the key's partner's outgoing and incoming requests, requesting
/// and cancelling through the same handlers (and messages) as the customer portal.
public abstract class TransfersApiTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private CustosApp App => fixture.App;

    [Fact]
    public async Task Request_ThenListGetAndCancel_AsTheOrganizationsSide()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);

        // Partner IDs are taken in any case with spaces around, as in the portal.
        using var requested = await client.PostAsync("/api/v1/transfers", new { organizationId = world.Organization, partnerId = $"  {world.Foreign.PublicId.ToLowerInvariant()} " });
        var created = await requested.JsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        requested.Headers.Location!.ToString().ShouldBe($"/api/v1/transfers/{id}");
        created.GetProperty("status").GetString().ShouldBe("pending");
        created.GetProperty("direction").GetString().ShouldBe("outgoing");
        created.GetProperty("organization").GetProperty("id").GetGuid().ShouldBe(world.Organization);
        created.GetProperty("from").GetProperty("partnerId").GetString().ShouldBe(world.Partner.PublicId);
        created.GetProperty("to").GetProperty("partnerId").GetString().ShouldBe(world.Foreign.PublicId);
        created.GetProperty("requestedBy").GetString().ShouldBe("API key Automation");
        created.GetProperty("requestedAt").GetString()!.ShouldEndWith("Z");

        var audit = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(a => a.OrganizationId == world.Organization && a.EventType == AuditEventType.TransferRequested));
        audit.ActorName.ShouldBe("API key Automation");

        var got = await (await client.GetAsync($"/api/v1/transfers/{id}")).JsonAsync(HttpStatusCode.OK);
        got.GetProperty("id").GetGuid().ShouldBe(id);
        (await IdsAsync(client, "")).ShouldBe([id]);
        (await IdsAsync(client, "?direction=outgoing&status=PENDING")).ShouldBe([id]);
        (await IdsAsync(client, "?direction=incoming")).ShouldBeEmpty();
        (await IdsAsync(client, "?status=cancelled")).ShouldBeEmpty();

        var cancelled = await (await client.PostAsync($"/api/v1/transfers/{id}/cancel")).JsonAsync(HttpStatusCode.OK);
        cancelled.GetProperty("status").GetString().ShouldBe("cancelled");
        cancelled.GetProperty("cancelledAt").ValueKind.ShouldBe(JsonValueKind.String);
        (await IdsAsync(client, "?status=cancelled")).ShouldBe([id]);
        (await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking()
            .CountAsync(a => a.OrganizationId == world.Organization && a.EventType == AuditEventType.TransferCancelled))).ShouldBe(1);

        // Once cancelled it cannot be cancelled again; the domain says why.
        using var again = await client.PostAsync($"/api/v1/transfers/{id}/cancel");
        var problem = await again.ProblemAsync(HttpStatusCode.Conflict, "transfer_not_open");
        problem.GetProperty("detail").GetString().ShouldBe(new TransferNotOpen(TransferStatus.Cancelled).Message);
    }

    [Fact]
    public async Task Request_RuleFailures_AreProblemsWithThePortalsMessages()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);

        async Task ExpectAsync(object body, HttpStatusCode status, string code, string? field, string message)
        {
            using var response = await client.PostAsync("/api/v1/transfers", body);
            var problem = field is null ? await response.ProblemAsync(status, code) : await response.ProblemAsync(status, code, field);
            problem.GetProperty("detail").GetString().ShouldBe(message);
        }

        await ExpectAsync(new { partnerId = world.Foreign.PublicId }, HttpStatusCode.UnprocessableEntity, "validation", "organizationId", "Organization is required.");
        await ExpectAsync(new { organizationId = world.Organization }, HttpStatusCode.UnprocessableEntity, "partner_id_required", "partnerId", new PartnerIdRequired().Message);
        await ExpectAsync(new { organizationId = world.Organization, partnerId = "P-NOSUCH1" }, HttpStatusCode.UnprocessableEntity, "partner_id_unknown", "partnerId", new PartnerIdUnknown().Message);
        await ExpectAsync(new { organizationId = world.Organization, partnerId = "not a partner id" }, HttpStatusCode.UnprocessableEntity, "partner_id_unknown", "partnerId", new PartnerIdUnknown().Message);
        await ExpectAsync(new { organizationId = world.Organization, partnerId = world.Partner.PublicId }, HttpStatusCode.UnprocessableEntity, "same_partner", "partnerId", new SamePartner().Message);

        // Another partner's organization, and one that does not exist, are not found.
        await ExpectAsync(new { organizationId = world.ForeignOrganization, partnerId = world.Partner.PublicId }, HttpStatusCode.NotFound, "not_found", null, "The organization was not found.");
        await ExpectAsync(new { organizationId = Guid.NewGuid(), partnerId = world.Foreign.PublicId }, HttpStatusCode.NotFound, "not_found", null, "The organization was not found.");

        // One open request per organization.
        using (var first = await client.PostAsync("/api/v1/transfers", new { organizationId = world.SubOrganization, partnerId = world.Foreign.PublicId }))
        {
            first.StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        await ExpectAsync(new { organizationId = world.SubOrganization, partnerId = world.Foreign.PublicId }, HttpStatusCode.Conflict, "transfer_already_open", "partnerId", new TransferAlreadyOpen().Message);

        // A target that no longer accepts organizations.
        await SetPartnerAsync(world.Foreign.Id, p => p.Deactivate());
        await ExpectAsync(new { organizationId = world.Organization, partnerId = world.Foreign.PublicId }, HttpStatusCode.UnprocessableEntity, "target_partner_inactive", "partnerId", new TargetPartnerInactive().Message);

        // Revoked for the partner: refused whatever the target.
        await SetPartnerAsync(world.Partner.Id, p => p.SetMayTransfer(false));
        await ExpectAsync(new { organizationId = world.Organization, partnerId = world.Foreign.PublicId }, HttpStatusCode.Forbidden, "transfers_revoked", "partnerId", new TransfersRevoked().Message);

        (await App.InDatabaseAsync(db => db.Transfers.CountAsync(t => t.OrganizationId == world.Organization))).ShouldBe(0);
    }

    [Fact]
    public async Task ReadOnlyKey_ListsButCannotRequestOrCancel()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var writer = world.Writer(App);
        using var reader = world.Reader(App);
        var id = (await (await writer.PostAsync("/api/v1/transfers", new { organizationId = world.Organization, partnerId = world.Foreign.PublicId }))
            .JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

        (await IdsAsync(reader, "")).ShouldBe([id]);
        using (var request = await reader.PostAsync("/api/v1/transfers", new { organizationId = world.SubOrganization, partnerId = world.Foreign.PublicId }))
        {
            await request.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        using (var cancel = await reader.PostAsync($"/api/v1/transfers/{id}/cancel"))
        {
            await cancel.ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        (await App.InDatabaseAsync(db => db.Transfers.AsNoTracking().SingleAsync(t => t.Id == id))).Status.ShouldBe(TransferStatus.Pending);
        (await App.InDatabaseAsync(db => db.Transfers.CountAsync(t => t.OrganizationId == world.SubOrganization))).ShouldBe(0);
    }

    [Fact]
    public async Task Incoming_IsListedToTheTarget_WhichCannotCancelIt_AndOtherPartnersTransfersAreNotFound()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);

        // The foreign partner's organization asks to move to the world's sub-partner (in the key's subtree).
        var incoming = await RequestDirectlyAsync(world.ForeignOrganization, world.Sub.PublicId);
        var listed = (await (await client.GetAsync("/api/v1/transfers?direction=incoming")).JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
        listed.Select(i => i.GetProperty("id").GetGuid()).ShouldBe([incoming]);
        listed[0].GetProperty("direction").GetString().ShouldBe("incoming");
        listed[0].GetProperty("to").GetProperty("id").GetGuid().ShouldBe(world.Sub.Id);
        (await IdsAsync(client, "?direction=outgoing")).ShouldBeEmpty();

        using (var cancel = await client.PostAsync($"/api/v1/transfers/{incoming}/cancel"))
        {
            await cancel.ProblemAsync(HttpStatusCode.Forbidden, "transfer_not_cancellable_here");
        }

        (await App.InDatabaseAsync(db => db.Transfers.AsNoTracking().SingleAsync(t => t.Id == incoming))).Status.ShouldBe(TransferStatus.Pending);

        // A transfer between two partners outside the key's subtree: not found, and not listed.
        var third = await App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var partner = Partner.Create($"Third {world.Unique}", "DE", null, isDistributor: false, TimeProvider.System.GetUtcNow()).Value!;
            db.Partners.Add(partner);
            await db.SaveChangesAsync();
            return partner;
        });
        await App.InScopeAsync(async sp =>
        {
            var cancelled = await sp.GetRequiredService<CancelTransfer>().HandleAsync(world.ForeignOrganization, new Actor("tests", "Web tests"), CancellationToken.None);
            cancelled.Error.ShouldBeNull();
        });
        var elsewhere = await RequestDirectlyAsync(world.ForeignOrganization, third.PublicId);
        using (var get = await client.GetAsync($"/api/v1/transfers/{elsewhere}"))
        {
            await get.ProblemAsync(HttpStatusCode.NotFound, "not_found");
        }

        using (var cancel = await client.PostAsync($"/api/v1/transfers/{elsewhere}/cancel"))
        {
            await cancel.ProblemAsync(HttpStatusCode.NotFound, "not_found");
        }

        (await IdsAsync(client, "")).ShouldBe([incoming]);
    }

    [Fact]
    public async Task List_PagesNewestFirstWithTheCursor_AndRefusesBadQueries()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var made = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var id = (await (await client.PostAsync("/api/v1/transfers", new { organizationId = world.Organization, partnerId = world.Foreign.PublicId }))
                .JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
            made.Add(id);
            if (i < 4)
            {
                (await client.PostAsync($"/api/v1/transfers/{id}/cancel")).StatusCode.ShouldBe(HttpStatusCode.OK);
            }
        }

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await client.GetAsync("/api/v1/transfers?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)))).JsonAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);

        pages.ShouldBe(3);
        seen.ShouldBe(Enumerable.Reverse(made).ToList());

        foreach (var (query, field) in new[] { ("direction=sideways", "direction"), ("status=open", "status"), ("limit=0", "limit"), ("limit=101", "limit"), ("cursor=abc", "cursor") })
        {
            using var response = await client.GetAsync("/api/v1/transfers?" + query);
            await response.ProblemAsync(HttpStatusCode.BadRequest, "invalid_query", field);
        }
    }

    [Fact]
    public async Task Request_WithAnIdempotencyKey_IsMadeOnce()
    {
        var world = await ApiWorld.CreateAsync(App);
        using var client = world.Writer(App);
        var key = new Dictionary<string, string> { ["Idempotency-Key"] = "transfer-" + world.Unique };
        var body = new { organizationId = world.Organization, partnerId = world.Foreign.PublicId };

        var first = await (await client.PostAsync("/api/v1/transfers", body, key)).JsonAsync(HttpStatusCode.Created);
        var second = await (await client.PostAsync("/api/v1/transfers", body, key)).JsonAsync(HttpStatusCode.Created);

        second.GetProperty("id").GetGuid().ShouldBe(first.GetProperty("id").GetGuid());
        (await App.InDatabaseAsync(db => db.Transfers.CountAsync(t => t.OrganizationId == world.Organization))).ShouldBe(1);
    }

    private static async Task<List<Guid>> IdsAsync(ApiClient client, string query) =>
        (await (await client.GetAsync("/api/v1/transfers" + query)).JsonAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();

    private Task<Guid> RequestDirectlyAsync(Guid organizationId, string partnerId) =>
        App.InScopeAsync(async sp =>
        {
            var requested = await sp.GetRequiredService<RequestTransfer>().HandleAsync(organizationId, partnerId, new Actor("tests", "Web tests"), CancellationToken.None);
            requested.Error.ShouldBeNull();
            return requested.Value!.Id;
        });

    private Task SetPartnerAsync(Guid partnerId, Action<Partner> change) =>
        App.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var partner = await db.Partners.SingleAsync(p => p.Id == partnerId);
            change(partner);
            await db.SaveChangesAsync();
        });
}

public sealed class TransfersApiTests_Sqlite(SqliteHostFixture fixture) : TransfersApiTests<SqliteHostFixture>(fixture);

public sealed class TransfersApiTests_Postgres(PostgresHostFixture fixture) : TransfersApiTests<PostgresHostFixture>(fixture);
