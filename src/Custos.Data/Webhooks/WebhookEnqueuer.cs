using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Transfers;
using Custos.Domain.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Custos.Data.Webhooks;

/// The step of every SaveChanges that turns new audit entries into webhook messages (see README.md):
/// the entries whose type raises an event are grouped per event and organization (so two sources of
/// one organization failing in one save send one credential.error, and a transfer's "out" and "in" one transfer.executed),
/// and each group becomes one message with a delivery per subscribed, enabled endpoint of the partners
/// concerned. All of it is added to the same unit of work, so it is saved (or not) with the change.
internal sealed class WebhookEnqueuer
{
    // Entries already turned into messages: a save retried after a conflict must not enqueue twice.
    // Weak keys: a pooled context lives on across requests, and must neither keep their entries
    // alive nor grow with them.
    private readonly ConditionalWeakTable<AuditEntry, object> _done = [];

    private sealed record Group(string Type, Guid? OrganizationId, List<AuditEntry> Entries);

    public async Task AddMessagesAsync(AppDbContext db, CancellationToken ct)
    {
        var groups = Collect(db);
        if (groups.Count == 0)
        {
            return;
        }

        // The partners concerned and every partner above them (their paths list them).
        var partnerIds = groups.SelectMany(g => g.Entries).Select(e => e.PartnerId).OfType<Guid>().ToHashSet();
        var paths = await db.Partners.AsNoTracking().Where(p => partnerIds.Contains(p.Id))
            .Select(p => new { p.Id, p.Path }).ToDictionaryAsync(p => p.Id, p => p.Path, ct);
        var audiences = groups.ToDictionary(g => g, g => Audience(g, paths));
        var everyone = audiences.Values.SelectMany(a => a).ToHashSet();
        var endpoints = await db.Set<WebhookEndpoint>().AsNoTracking()
            .Where(e => e.Enabled && everyone.Contains(e.PartnerId))
            .Select(e => new { e.Id, e.PartnerId, e.EventTypes })
            .ToListAsync(ct);

        foreach (var group in groups)
        {
            var receivers = endpoints.Where(e => audiences[group].Contains(e.PartnerId) && WebhookEvents.Wants(e.EventTypes, group.Type)).ToList();
            if (receivers.Count == 0)
            {
                continue;
            }

            var at = group.Entries.Max(e => e.At);
            var organization = group.OrganizationId is { } orgId ? await OrganizationAsync(db, orgId, ct) : null;
            var body = WebhookPayload.Envelope(group.Type, at, Data(db, group, organization));
            var message = WebhookMessage.Create(group.Type, body, group.OrganizationId, at);
            db.Set<WebhookMessage>().Add(message);
            foreach (var endpoint in receivers)
            {
                db.Set<WebhookDelivery>().Add(WebhookDelivery.Create(message, endpoint.Id, endpoint.PartnerId, at));
            }
        }
    }

    private List<Group> Collect(AppDbContext db)
    {
        var groups = new Dictionary<(string, Guid?), Group>();
        foreach (var entry in db.ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added).Select(e => e.Entity))
        {
            if (!_done.TryAdd(entry, entry) || WebhookEvents.Of(entry.EventType, entry.After) is not { } type)
            {
                continue;
            }

            var key = (type, entry.OrganizationId ?? entry.PartnerId);
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = new Group(type, entry.OrganizationId, []);
            }

            group.Entries.Add(entry);
        }

        return [.. groups.Values];
    }

    private static HashSet<Guid> Audience(Group group, Dictionary<Guid, string> paths)
    {
        var audience = new HashSet<Guid>();
        foreach (var partnerId in group.Entries.Select(e => e.PartnerId).OfType<Guid>())
        {
            if (WebhookEvents.AudienceOf(group.Type) == WebhookAudience.PartnerOnly || !paths.TryGetValue(partnerId, out var path))
            {
                audience.Add(partnerId);
            }
            else
            {
                audience.UnionWith(Partner.IdsOnPath(path));
            }
        }

        return audience;
    }

    /// The organization as this save leaves it: the tracked instance when the change holds it.
    private static async Task<Organization?> OrganizationAsync(AppDbContext db, Guid id, CancellationToken ct) =>
        db.ChangeTracker.Entries<Organization>().Select(e => e.Entity).FirstOrDefault(o => o.Id == id)
        ?? await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == id, ct);

    private static JsonObject Data(AppDbContext db, Group group, Organization? organization)
    {
        var first = group.Entries[0];
        var data = new JsonObject();
        if (group.OrganizationId is { } orgId)
        {
            data["organizationId"] = orgId.ToString();
        }

        data["partnerId"] = (organization?.PartnerId ?? first.PartnerId)?.ToString();
        if (organization is not null)
        {
            data["organization"] = Describe(organization);
        }

        switch (group.Type)
        {
            case WebhookEvents.OrganizationUpdated:
                data["changes"] = new JsonArray([.. group.Entries.SelectMany(e => Changed(e.Before, e.After)).Distinct().Order(StringComparer.Ordinal)
                    .Select(name => (JsonNode)JsonValue.Create(name))]);
                break;
            case WebhookEvents.CredentialError:
                var sources = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
                foreach (var e in group.Entries)
                {
                    if (CamelCase(e.After) is JsonObject source)
                    {
                        var id = source["source"]?.ToString() ?? "";
                        sources.TryAdd(id, new JsonObject
                        {
                            ["sourceId"] = id,
                            ["kind"] = source["kind"]?.DeepClone(),
                            ["label"] = source["label"]?.DeepClone(),
                            ["actionNeeded"] = source["actionNeeded"]?.DeepClone(),
                        });
                    }
                }

                data["sources"] = new JsonArray([.. sources.Values]);
                break;
            case WebhookEvents.ExportReady:
                data["export"] = CamelCase(first.After);
                break;
            case WebhookEvents.TransferRequested or WebhookEvents.TransferApproved:
                data["transfer"] = CamelCase(first.After);
                break;
            case WebhookEvents.TransferExecuted:
                var from = group.Entries.FirstOrDefault(e => e.EventType == AuditEventType.OrganizationTransferredOut)?.PartnerId;
                var to = group.Entries.FirstOrDefault(e => e.EventType == AuditEventType.OrganizationTransferredIn)?.PartnerId;
                var transfer = db.ChangeTracker.Entries<Transfer>().Select(t => t.Entity)
                    .FirstOrDefault(t => t.OrganizationId == group.OrganizationId && t.Status == TransferStatus.Executed);
                data["transfer"] = new JsonObject
                {
                    ["transferId"] = transfer?.Id.ToString(),
                    ["fromPartnerId"] = from?.ToString(),
                    ["toPartnerId"] = to?.ToString(),
                };
                break;
        }

        return data;
    }

    private static JsonObject Describe(Organization o) => new()
    {
        ["id"] = o.Id.ToString(),
        ["publicId"] = o.PublicId,
        ["name"] = o.Name,
        ["status"] = JsonNamingPolicy.CamelCase.ConvertName(o.Status.ToString()),
        ["planType"] = JsonNamingPolicy.CamelCase.ConvertName(o.PlanType.ToString()),
        ["planId"] = o.PlanId.ToString(),
        ["partnerId"] = o.PartnerId.ToString(),
        ["seats"] = o.Seats,
        ["autoLicense"] = o.AutoLicense,
        ["ownerEmail"] = o.OwnerEmail,
        ["ownerFirstName"] = o.OwnerFirstName,
        ["ownerLastName"] = o.OwnerLastName,
        ["country"] = o.Country,
        ["downloadLimitGb"] = o.DownloadLimitGb,
        ["purgeDueAt"] = o.PurgeDueAt is { } due ? WebhookPayload.Instant(due) : null,
        ["version"] = o.Version,
    };

    /// The top-level fields whose values differ between two audit snapshots, in camelCase.
    private static IEnumerable<string> Changed(string? before, string? after)
    {
        if (CamelCase(before) is not JsonObject b || CamelCase(after) is not JsonObject a)
        {
            return [];
        }

        return a.Select(p => p.Key).Union(b.Select(p => p.Key))
            .Where(k => k != "version" && !JsonNode.DeepEquals(a[k], b[k]));
    }

    /// An audit snapshot with camelCase names and UTC instants, as the API writes them.
    private static JsonNode? CamelCase(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return Convert(JsonNode.Parse(json));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonNode? Convert(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(JsonNamingPolicy.CamelCase.ConvertName(p.Key), Convert(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Convert)]),
        JsonValue v when v.TryGetValue<string>(out var s)
            && DateTimeOffset.TryParseExact(s, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            => JsonValue.Create(WebhookPayload.Instant(at)),
        _ => node?.DeepClone(),
    };
}

/// The JSON every message body follows.
public static class WebhookPayload
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// `{ "type", "timestamp", "data" }`, camelCase, instants in UTC (ISO 8601), like the API.
    public static string Envelope(string type, DateTimeOffset at, JsonObject data) =>
        new JsonObject { ["type"] = type, ["timestamp"] = Instant(at), ["data"] = data }.ToJsonString(Json);

    public static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
