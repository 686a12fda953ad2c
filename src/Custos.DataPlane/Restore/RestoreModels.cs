using System.Globalization;
using Custos.Domain;

namespace Custos.DataPlane.Restore;

/// The organization is not in the caller's scope, or it has no such mailbox, folder or message.
/// Pages answer it with 404, exactly as for something that does not exist.
public sealed record BackupNotFound() : Error("backup.not_found", "There is no such backup.");

/// The organization is deleted or its data key was destroyed: nothing it stored can be read again.
public sealed record BackupPurged() : Error(
    "backup.purged", "This organization's backup data was purged: its key was destroyed and nothing it stored can be read or downloaded.");

/// An organization whose backups the caller may read: what every restore query starts from.
/// Only <see cref="BackupBrowser.OpenAsync"/> makes one, after the scope and status checks.
public sealed class OrganizationBackup
{
    internal OrganizationBackup(Guid organizationId, Guid partnerId, string publicId, string name, long downloadLimitBytes)
    {
        OrganizationId = organizationId;
        PartnerId = partnerId;
        PublicId = publicId;
        Name = name;
        DownloadLimitBytes = downloadLimitBytes;
    }

    public Guid OrganizationId { get; }

    public Guid PartnerId { get; }

    public string PublicId { get; }

    public string Name { get; }

    /// The organization's download size limit (Features tab): no archive part is larger.
    public long DownloadLimitBytes { get; }
}

/// A backed-up mailbox: a connected IMAP mailbox, or one whose rows outlive its connection.
public sealed record MailboxBackup(
    Guid MailboxId, string? UserName, string? Host, int Messages, long LogicalBytes, long StoredBytes, DateTimeOffset? LastBackedUpAt)
{
    /// "user@host", or a placeholder for a mailbox that is no longer connected.
    public string DisplayName => UserName is null ? "Disconnected mailbox" : $"{UserName} @ {Host}";
}

public sealed record FolderBackup(string Name, int Messages, long LogicalBytes, DateTimeOffset? LastBackedUpAt);

/// Where a page of messages starts: after the row with this sort date and ID (Date desc, Id desc).
public sealed record MessageCursor(DateTimeOffset Date, Guid Id)
{
    public string Encode() => $"{Date.UtcTicks.ToString(CultureInfo.InvariantCulture)}_{Id:N}";

    public static MessageCursor? Parse(string? text)
    {
        var parts = (text ?? "").Split('_');
        return parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
            && Guid.TryParseExact(parts[1], "N", out var id)
                ? new MessageCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id)
                : null;
    }
}

/// A folder's messages: <paramref name="Text"/> is a case-insensitive substring of the subject or
/// the sender; <paramref name="From"/> and <paramref name="To"/> bound the date (from inclusive, to exclusive).
public sealed record MessageQuery(string Folder, string? Text = null, DateTimeOffset? From = null, DateTimeOffset? To = null, MessageCursor? After = null);

/// One listed message. <see cref="Date"/> is the Date header, or when it was backed up if it had none.
public sealed record MessageSummary(Guid Id, string Subject, string From, DateTimeOffset Date, long LogicalBytes);

/// A page of messages. <see cref="Next"/> is null on the last page. With a search, a page may come
/// back short when the scan budget ran out first (<see cref="Scanned"/> rows were decrypted): the
/// next page goes on from where this one stopped.
public sealed record MessagePage(IReadOnlyList<MessageSummary> Messages, MessageCursor? Next, int Scanned);

public enum ArchiveFormat
{
    Zip,
    Mbox,
}

/// A folder's archive cut into numbered parts, each no larger than the download limit (a single
/// message larger than the limit gets a part of its own). <see cref="AsOf"/> fixes the messages:
/// rows backed up later are not in it, so part N stays the same file between the page and the download.
public sealed record ArchivePlan(ArchiveFormat Format, DateTimeOffset AsOf, IReadOnlyList<ArchivePartPlan> Parts)
{
    public int Messages => Parts.Sum(p => p.Messages);

    /// Each part's rows, in archive order.
    internal IReadOnlyList<IReadOnlyList<Guid>> PartRows { get; init; } = [];
}

/// Part <see cref="Number"/> (from 1): how many messages, their bytes, and the most the file can be.
public sealed record ArchivePartPlan(int Number, int Messages, long LogicalBytes, long MaxBytes);

/// One message to download as .eml: its name, exact length, and how to write it.
public sealed record EmlDownload(Guid MessageId, string Folder, string FileName, long Length, Func<Stream, CancellationToken, Task> CopyToAsync);
