using System.Text.Json;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Webhooks;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Webhooks;

/// Who manages a partner's webhook endpoints: an owner or full administrator of that partner (the
/// portal checks the user's current role with <see cref="PartnerAdministration.AdminAsync"/>; the API
/// the key's role). Every endpoint is looked up inside <see cref="PartnerId"/>: another partner's is not found.
public sealed record WebhookActor(Guid PartnerId, Actor Actor)
{
    public static async Task<Result<WebhookActor>> OfUserAsync(AppDbContext db, ActingUser acting, CancellationToken ct)
    {
        var admin = await PartnerAdministration.AdminAsync(db, acting, ct);
        return admin.Error is not null ? admin.Error : new WebhookActor(admin.Value!.PartnerId, admin.Value.Actor);
    }
}

/// How webhooks are delivered: the host's `Custos:Webhooks` settings (see docs/webhooks.md).
public sealed record WebhookSettings
{
    /// Endpoints on this machine (loopback), including plain http:// ones on localhost/127.0.0.1
    /// (development and tests only).
    public bool AllowHttpLoopback { get; init; }

    /// Endpoints in private networks (10/8, 172.16/12, 192.168/16, fc00::/7, *.internal, *.local…):
    /// for a self-hosted platform whose receivers live in the operator's own network.
    public bool AllowPrivateNetworks { get; init; }

    /// Which addresses registration accepts and deliveries connect to.
    public WebhookAddressPolicy AddressPolicy => new(AllowHttpLoopback, AllowPrivateNetworks);

    /// How long one attempt may take, connecting included.
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public WebhookRetry Retry { get; init; } = WebhookRetry.Default;

    public WebhookAutoDisable AutoDisable { get; init; } = WebhookAutoDisable.Default;

    /// Deliveries read per batch of a run.
    public int BatchSize { get; init; } = 20;
}

/// Signing secrets are encrypted with the host's data-protection key ring (like mailbox passwords),
/// so a copy of the database alone does not reveal them.
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Custos.WebhookSigningSecret.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}

/// An endpoint as the portal and the API show it (never its secret).
public sealed record WebhookEndpointView(
    Guid Id, string Url, string Description, IReadOnlyList<string> EventTypes, bool AllEvents, bool Enabled, WebhookDisabledReason? DisabledReason,
    DateTimeOffset? DisabledAt, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? SecretRotatedAt, DateTimeOffset? LastAttemptAt,
    string? LastResult, bool? LastSucceeded, int Version)
{
    public static WebhookEndpointView Of(WebhookEndpoint e) => new(
        e.Id, e.Url, e.Description, e.Subscribed, e.EventTypes is null, e.Enabled, e.DisabledReason, e.DisabledAt, e.CreatedAt, e.CreatedByName,
        e.SecretRotatedAt, e.LastAttemptAt, e.LastResult, e.LastSucceeded, e.Version);
}

/// The endpoint and its new secret, shown only in this answer.
public sealed record IssuedWebhookSecret(WebhookEndpointView Endpoint, string Secret);

public sealed record WebhookEndpointChangedMeanwhile()
    : Error("concurrent_change", "The webhook endpoint was changed by someone else meanwhile; reload it and try again.");

public sealed record WebhookEndpointDisabled()
    : Error("endpoint_disabled", "The endpoint is disabled: enable it first, then send the test event.");

/// The input checks of create and update, shared.
public static class WebhookInput
{
    public static Result<(WebhookUrl Url, string Description, IReadOnlyList<string>? Events)> Check(
        string? url, string? description, IReadOnlyList<string>? eventTypes, WebhookSettings settings)
    {
        var errors = new List<FieldError>();
        var parsed = WebhookUrl.Parse(url, settings.AddressPolicy);
        if (parsed.Error is ValidationFailed failed)
        {
            errors.AddRange(failed.Errors);
        }

        var text = description?.Trim() ?? "";
        if (text.Length > WebhookEndpoint.MaxDescriptionLength || TextKey.HasControlCharacters(text))
        {
            errors.Add(new FieldError("description", $"Description must be at most {WebhookEndpoint.MaxDescriptionLength} characters of plain text."));
        }

        IReadOnlyList<string>? events = null;
        if (eventTypes is { Count: > 0 })
        {
            var unknown = eventTypes.Where(t => !WebhookEvents.IsKnown(t)).ToList();
            if (unknown.Count > 0)
            {
                errors.Add(new FieldError("eventTypes", $"Unknown event types: {string.Join(", ", unknown.Take(5))}. Choose from: {string.Join(", ", WebhookEvents.All)}."));
            }

            events = [.. eventTypes.Distinct(StringComparer.Ordinal)];
        }

        if (errors.Count > 0)
        {
            return new ValidationFailed(errors);
        }

        return (parsed.Value!, text, events);
    }
}

internal static class WebhookAudit
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Describe(WebhookEndpoint e) => JsonSerializer.Serialize(new
    {
        endpointId = e.Id,
        url = e.Url,
        description = e.Description,
        eventTypes = e.EventTypes ?? "all",
        enabled = e.Enabled,
        disabledReason = e.DisabledReason?.ToString(),
        secretRotatedAt = e.SecretRotatedAt,
    }, Json);

    public static void Add(AppDbContext db, AuditEventType type, Actor actor, DateTimeOffset now, WebhookEndpoint e, string? before, object? extra = null) =>
        db.AuditEntries.Add(AuditEntry.For(type, actor, now, e.PartnerId, null, before,
            extra is null ? Describe(e) : JsonSerializer.Serialize(extra, Json)));

    public static Task<WebhookEndpoint?> FindAsync(AppDbContext db, WebhookActor actor, Guid id, CancellationToken ct) =>
        db.WebhookEndpoints.SingleOrDefaultAsync(e => e.Id == id && e.PartnerId == actor.PartnerId, ct);

    public static async Task<Result> SaveAsync(AppDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return Result.Ok;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return new WebhookEndpointChangedMeanwhile();
        }
    }
}
