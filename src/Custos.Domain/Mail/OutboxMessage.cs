namespace Custos.Domain.Mail;

/// A message waiting for (or done with) delivery. Written in the same transaction as the change
/// that causes it, so a change is never saved without its mail and mail is never sent for a change
/// that was rolled back. A delivery job hands it to the transport; its Message-ID is fixed at
/// creation, so a retry after a lost acknowledgement is recognisable as the same message.
public sealed class OutboxMessage
{
    public const int MaxKindLength = 64;
    public const int MaxAddressLength = 320;
    public const int MaxNameLength = 200;
    public const int MaxSubjectLength = 500;
    public const int MaxMessageIdLength = 250;
    public const int MaxErrorLength = 2000;

    private OutboxMessage()
    {
        Kind = "";
        MessageId = "";
        ToAddress = "";
        Subject = "";
        TextBody = "";
        HtmlBody = "";
    }

    public Guid Id { get; private set; }

    /// What the message is about, e.g. "organization.suspended" (for filtering and the operator's view).
    public string Kind { get; private set; }

    /// The RFC 5322 Message-ID, with angle brackets; unique.
    public string MessageId { get; private set; }

    public string? FromName { get; private set; }

    public string ToAddress { get; private set; }

    public string? ToName { get; private set; }

    public string Subject { get; private set; }

    public string TextBody { get; private set; }

    public string HtmlBody { get; private set; }

    /// The partner whose action or organization caused the message, when there is one.
    public Guid? PartnerId { get; private set; }

    public Guid? OrganizationId { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// When the delivery job may next try; pushed back after each failure.
    public DateTimeOffset NextAttemptAt { get; private set; }

    public int Attempts { get; private set; }

    /// When the server accepted the message; null until then.
    public DateTimeOffset? SentAt { get; private set; }

    /// When delivery was given up (a permanent rejection or too many attempts); null otherwise.
    public DateTimeOffset? FailedAt { get; private set; }

    public string? LastError { get; private set; }

    /// Optimistic concurrency: two delivery runs cannot both record the same attempt.
    public int Version { get; private set; }

    public bool IsPending => SentAt is null && FailedAt is null;

    public OutgoingMail Content => new(ToAddress, Subject, TextBody, HtmlBody) { ToName = ToName, FromName = FromName };

    /// A new message, due now. <paramref name="messageIdDomain"/> is the right-hand side of its Message-ID
    /// (the sender address's domain).
    public static OutboxMessage Create(
        OutgoingMail mail, string kind, DateTimeOffset now, string messageIdDomain, Guid? partnerId = null, Guid? organizationId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentException.ThrowIfNullOrWhiteSpace(mail.To);
        var id = Guid.CreateVersion7(now);
        return new OutboxMessage
        {
            Id = id,
            Kind = Cut(kind, MaxKindLength),
            MessageId = $"<{id:N}@{messageIdDomain}>",
            FromName = mail.FromName is null ? null : Cut(mail.FromName, MaxNameLength),
            ToAddress = mail.To,
            ToName = mail.ToName is null ? null : Cut(mail.ToName, MaxNameLength),
            Subject = Cut(mail.Subject, MaxSubjectLength),
            TextBody = mail.TextBody,
            HtmlBody = mail.HtmlBody,
            PartnerId = partnerId,
            OrganizationId = organizationId,
            CreatedAt = now,
            NextAttemptAt = now,
        };
    }

    /// Records one delivery attempt and when the next one may happen.
    public void RecordAttempt(DateTimeOffset nextAttemptAt)
    {
        Attempts++;
        NextAttemptAt = nextAttemptAt;
        Version++;
    }

    /// Claims the message for one attempt before it is handed to the transport: the attempt is
    /// counted and the next one is already scheduled by <paramref name="retry"/>, so a crash in the
    /// middle of the attempt leaves a message that is tried again later. Saving the claim is what
    /// makes it exclusive: a second claim of the same version fails on the concurrency token.
    public Result BeginAttempt(DateTimeOffset now, DeliveryRetry retry)
    {
        if (!IsPending)
        {
            return new MessageNotPending();
        }

        if (NextAttemptAt > now)
        {
            return new MessageNotDue(NextAttemptAt);
        }

        RecordAttempt(now + retry.DelayAfter(Attempts + 1));
        return Result.Ok;
    }

    /// The server accepted the message (250 after DATA).
    public void RecordSent(DateTimeOffset now)
    {
        SentAt = now;
        FailedAt = null;
        LastError = null;
        Version++;
    }

    /// The attempt failed. A permanent refusal (the server rejected the recipient or the message)
    /// fails the message at once; otherwise it waits for the retry its claim scheduled, unless it
    /// is older than <see cref="DeliveryRetry.GiveUpAfter"/>.
    public void RecordFailure(DateTimeOffset now, string error, bool permanent, DeliveryRetry retry)
    {
        LastError = Cut(error, MaxErrorLength);
        if (permanent || now - CreatedAt >= retry.GiveUpAfter)
        {
            FailedAt = now;
        }

        Version++;
    }

    /// The operator asks for an attempt now: a retrying message is due at once, a failed one gets
    /// one more attempt (if that fails too, it fails again with the new error). Sent messages are never sent again.
    public Result RetryNow(DateTimeOffset now)
    {
        if (SentAt is not null)
        {
            return new MessageAlreadySent(SentAt.Value);
        }

        FailedAt = null;
        NextAttemptAt = now;
        Version++;
        return Result.Ok;
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];
}

/// The message was sent or given up; nothing more is tried.
public sealed record MessageNotPending() : Error("mail-not-pending", "This message is no longer waiting for delivery.");

/// The message waits for its next attempt.
public sealed record MessageNotDue(DateTimeOffset NextAttemptAt) : Error("mail-not-due", "This message is not due for delivery yet.");

/// The server accepted the message already; it is never sent twice on purpose.
public sealed record MessageAlreadySent(DateTimeOffset SentAt) : Error("mail-already-sent", "This message was delivered already; it is not sent again.");
