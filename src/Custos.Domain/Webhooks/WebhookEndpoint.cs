namespace Custos.Domain.Webhooks;

/// Why an endpoint receives nothing.
public enum WebhookDisabledReason
{
    /// A partner user or API key turned it off.
    Manual,

    /// Custos turned it off after its deliveries kept failing (see <see cref="WebhookEndpoint.RecordFailedAttempt"/>).
    Failing,
}

/// A partner's HTTPS address that receives signed lifecycle events. The signing secret is stored
/// only encrypted (<see cref="ProtectedSecret"/>); the previous one is kept for a day after a
/// rotation so receivers can switch over without dropping deliveries.
public sealed class WebhookEndpoint
{
    public const int MaxUrlLength = 2000;
    public const int MaxDescriptionLength = 200;
    public const int MaxProtectedSecretLength = 1000;
    public const int MaxEventTypesLength = 500;

    /// How long deliveries are also signed with the previous secret after a rotation.
    public static readonly TimeSpan PreviousSecretLifetime = TimeSpan.FromHours(24);

    private WebhookEndpoint()
    {
        Url = "";
        Description = "";
        ProtectedSecret = "";
        CreatedByName = "";
    }

    public Guid Id { get; private set; }

    public Guid PartnerId { get; private set; }

    public string Url { get; private set; }

    public string Description { get; private set; }

    /// Comma-separated event types; null: every type, including ones added later.
    public string? EventTypes { get; private set; }

    public string ProtectedSecret { get; private set; }

    public string? PreviousProtectedSecret { get; private set; }

    public DateTimeOffset? SecretRotatedAt { get; private set; }

    public bool Enabled { get; private set; }

    public WebhookDisabledReason? DisabledReason { get; private set; }

    public DateTimeOffset? DisabledAt { get; private set; }

    public string CreatedByName { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// When the current run of failed attempts began; null while the last attempt succeeded.
    public DateTimeOffset? FailingSince { get; private set; }

    /// Messages in a row whose delivery to this endpoint was given up.
    public int ConsecutiveFailedMessages { get; private set; }

    public DateTimeOffset? LastAttemptAt { get; private set; }

    /// "200", "500", "timeout", "connection refused"…: what the last attempt got.
    public string? LastResult { get; private set; }

    public bool? LastSucceeded { get; private set; }

    /// Optimistic concurrency and the API's ETag.
    public int Version { get; private set; }

    public IReadOnlyList<string> Subscribed => WebhookEvents.Parse(EventTypes);

    public bool IsAutoDisabled => !Enabled && DisabledReason == WebhookDisabledReason.Failing;

    public static WebhookEndpoint Create(
        Guid partnerId, WebhookUrl url, string description, IReadOnlyList<string>? eventTypes, string protectedSecret, string createdByName, DateTimeOffset now) => new()
        {
            Id = Guid.CreateVersion7(now),
            PartnerId = partnerId,
            Url = url.Value,
            Description = description,
            EventTypes = Store(eventTypes),
            ProtectedSecret = protectedSecret,
            Enabled = true,
            CreatedByName = createdByName,
            CreatedAt = now,
            Version = 1,
        };

    /// The secrets to sign with now: the current one, and the previous one during its day of grace.
    public IEnumerable<string> ProtectedSigningSecrets(DateTimeOffset now)
    {
        yield return ProtectedSecret;
        if (PreviousProtectedSecret is not null && SecretRotatedAt is { } at && now - at < PreviousSecretLifetime)
        {
            yield return PreviousProtectedSecret;
        }
    }

    /// False when nothing changed.
    public bool Update(WebhookUrl url, string description, IReadOnlyList<string>? eventTypes)
    {
        var types = Store(eventTypes);
        if (Url == url.Value && Description == description && EventTypes == types)
        {
            return false;
        }

        Url = url.Value;
        Description = description;
        EventTypes = types;
        Version++;
        return true;
    }

    public void RotateSecret(string protectedSecret, DateTimeOffset now)
    {
        PreviousProtectedSecret = ProtectedSecret;
        ProtectedSecret = protectedSecret;
        SecretRotatedAt = now;
        Version++;
    }

    /// Re-enabling starts the failure count afresh.
    public bool Enable()
    {
        if (Enabled)
        {
            return false;
        }

        Enabled = true;
        DisabledReason = null;
        DisabledAt = null;
        FailingSince = null;
        ConsecutiveFailedMessages = 0;
        Version++;
        return true;
    }

    public bool Disable(WebhookDisabledReason reason, DateTimeOffset now)
    {
        if (!Enabled)
        {
            return false;
        }

        Enabled = false;
        DisabledReason = reason;
        DisabledAt = now;
        Version++;
        return true;
    }

    public void RecordSuccess(DateTimeOffset now, string result)
    {
        LastAttemptAt = now;
        LastResult = result;
        LastSucceeded = true;
        FailingSince = null;
        ConsecutiveFailedMessages = 0;
        Version++;
    }

    /// Records a failed attempt; true when the endpoint has now failed long enough to be disabled:
    /// <paramref name="messageGivenUp"/> counts a message whose retries are exhausted, and the
    /// endpoint is disabled after <see cref="WebhookAutoDisable.ConsecutiveFailedMessages"/> of them in a
    /// row, or once every attempt has failed for <see cref="WebhookAutoDisable.FailingFor"/>.
    public bool RecordFailedAttempt(DateTimeOffset now, string result, bool messageGivenUp, WebhookAutoDisable rule)
    {
        LastAttemptAt = now;
        LastResult = result;
        LastSucceeded = false;
        FailingSince ??= now;
        if (messageGivenUp)
        {
            ConsecutiveFailedMessages++;
        }

        Version++;
        var failing = ConsecutiveFailedMessages >= rule.ConsecutiveFailedMessages || now - FailingSince.Value >= rule.FailingFor;
        return failing && Disable(WebhookDisabledReason.Failing, now);
    }

    private static string? Store(IReadOnlyList<string>? types) =>
        types is null || types.Count == 0 || WebhookEvents.All.All(types.Contains) ? null : string.Join(',', WebhookEvents.All.Where(types.Contains));
}

/// When an endpoint that keeps failing is disabled: after this many messages in a row were given up,
/// or once all attempts have failed for this long, whichever comes first.
public sealed record WebhookAutoDisable(int ConsecutiveFailedMessages, TimeSpan FailingFor)
{
    public static WebhookAutoDisable Default { get; } = new(10, TimeSpan.FromDays(5));
}
