namespace Custos.Domain.Webhooks;

/// One event as it is sent: its body is fixed when the change is saved (a snapshot of the facts
/// then), and its id (the `webhook-id` header) stays the same for every attempt and endpoint.
public sealed class WebhookMessage
{
    public const int MaxTypeLength = 64;

    private WebhookMessage()
    {
        Type = "";
        Body = "";
    }

    public Guid Id { get; private set; }

    public string Type { get; private set; }

    /// The JSON body sent, byte for byte (signatures are over it).
    public string Body { get; private set; }

    public Guid? OrganizationId { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// The `webhook-id` header: "msg_" and the id.
    public string WebhookId => "msg_" + Id.ToString("N");

    public static WebhookMessage Create(string type, string body, Guid? organizationId, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Type = type,
        Body = body,
        OrganizationId = organizationId,
        CreatedAt = now,
    };
}

public enum WebhookDeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}

/// A message on its way to one endpoint. Like the mail outbox, an attempt is claimed before it is
/// made (counted, and the next one scheduled, in one save guarded by <see cref="Version"/>), so two
/// nodes never make the same attempt and a crash mid-attempt leaves a delivery that is retried.
public sealed class WebhookDelivery
{
    public const int MaxResultLength = 200;

    private WebhookDelivery()
    {
    }

    public long Id { get; private set; }

    public Guid MessageId { get; private set; }

    public Guid EndpointId { get; private set; }

    /// The endpoint's partner, so the delivery log is scoped without a join.
    public Guid PartnerId { get; private set; }

    public WebhookDeliveryStatus Status { get; private set; }

    public int Attempts { get; private set; }

    public DateTimeOffset NextAttemptAt { get; private set; }

    public DateTimeOffset? LastAttemptAt { get; private set; }

    public int? LastStatusCode { get; private set; }

    public string? LastResult { get; private set; }

    public DateTimeOffset? DeliveredAt { get; private set; }

    public DateTimeOffset? FailedAt { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public int Version { get; private set; }

    public static WebhookDelivery Create(WebhookMessage message, Guid endpointId, Guid partnerId, DateTimeOffset now) => new()
    {
        MessageId = message.Id,
        EndpointId = endpointId,
        PartnerId = partnerId,
        Status = WebhookDeliveryStatus.Pending,
        NextAttemptAt = now,
        CreatedAt = now,
    };

    /// Claims one attempt: counts it and schedules the next (used if this one never reports back).
    public Result BeginAttempt(DateTimeOffset now, WebhookRetry retry)
    {
        if (Status != WebhookDeliveryStatus.Pending || NextAttemptAt > now)
        {
            return new WebhookDeliveryNotDue();
        }

        Attempts++;
        NextAttemptAt = now + (retry.DelayAfter(Attempts) ?? TimeSpan.FromMinutes(5));
        Version++;
        return Result.Ok;
    }

    public void RecordDelivered(DateTimeOffset now, int statusCode)
    {
        Status = WebhookDeliveryStatus.Delivered;
        LastAttemptAt = now;
        LastStatusCode = statusCode;
        LastResult = statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        DeliveredAt = now;
        FailedAt = null;
        Version++;
    }

    /// Returns true when this failure used the last attempt, so the message is given up.
    public bool RecordFailure(DateTimeOffset now, int? statusCode, string result, WebhookRetry retry)
    {
        LastAttemptAt = now;
        LastStatusCode = statusCode;
        LastResult = result.Length <= MaxResultLength ? result : result[..MaxResultLength];
        Version++;
        if (retry.DelayAfter(Attempts) is null)
        {
            Status = WebhookDeliveryStatus.Failed;
            FailedAt = now;
            return true;
        }

        return false;
    }

    /// "Redeliver": one more attempt now, whatever happened before (a receiver recognises a repeat by its webhook-id).
    public void Redeliver(DateTimeOffset now)
    {
        Status = WebhookDeliveryStatus.Pending;
        NextAttemptAt = now;
        FailedAt = null;
        Version++;
    }
}

/// One attempt, as the delivery log shows it.
public sealed class WebhookAttempt
{
    public const int MaxExcerptLength = 500;

    public long Id { get; set; }

    public long DeliveryId { get; set; }

    public Guid EndpointId { get; set; }

    public DateTimeOffset At { get; set; }

    public int? StatusCode { get; set; }

    /// The error when there was no HTTP answer (timeout, refused, TLS…).
    public string? Error { get; set; }

    public int DurationMs { get; set; }

    /// The start of the answer's body, for diagnosis; never more.
    public string? ResponseExcerpt { get; set; }
}

public sealed record WebhookDeliveryNotDue() : Error("not_due", "This delivery is not due.");

/// The waits between attempts: after the n-th failed attempt, the n-th delay; when there is none, the message is given up.
public sealed record WebhookRetry(IReadOnlyList<TimeSpan> Delays)
{
    /// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts over about a day and a quarter.
    public static WebhookRetry Default { get; } = new([
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10)]);

    public int MaxAttempts => Delays.Count + 1;

    /// The wait after the <paramref name="attempt"/>-th attempt failed, or null after the last.
    public TimeSpan? DelayAfter(int attempt) => attempt >= 1 && attempt <= Delays.Count ? Delays[attempt - 1] : null;
}
