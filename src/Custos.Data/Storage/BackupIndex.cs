using Microsoft.EntityFrameworkCore;

namespace Custos.Data.Storage;

/// One message as the backup saw it in a mailbox: where it was (folder, UIDVALIDITY, UID), the
/// stored content it points to, and the header facts that restore pages list and search. A message
/// deleted at the source keeps its row until the organization is purged; the same content seen in
/// two folders (or again after a UIDVALIDITY change) is two rows over one stored message.
public sealed class BackedUpMessage
{
    public const int MaxFolderLength = 1000;
    public const int MaxHeaderLength = 998;

    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    /// The <see cref="Custos.Domain.Backup.ImapMailbox"/> it came from.
    public Guid MailboxId { get; set; }

    /// The folder's full name on the server (hierarchy separator included).
    public string Folder { get; set; } = "";

    public long UidValidity { get; set; }

    public long Uid { get; set; }

    /// The <see cref="StoredMessage"/> holding its bytes.
    public Guid StoredMessageId { get; set; }

    /// Subject and From, sealed with the organization's data key (DataPlane MessageHeaders), so
    /// the index reveals no message content and becomes unreadable with the key at purge. Folder
    /// names, dates and sizes stay in clear for paging and checkpoints; purge deletes the rows.
    public byte[] SealedHeaders { get; set; } = [];

    /// The Date header, when it parses; otherwise the server's INTERNALDATE or null.
    public DateTimeOffset? Date { get; set; }

    /// Size of the message as the server sent it.
    public long LogicalBytes { get; set; }

    /// When a backup run first committed it.
    public DateTimeOffset BackedUpAt { get; set; }
}

public static class BackupIndexModel
{
    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<BackedUpMessage>(e =>
        {
            e.ToTable("BackedUpMessages");
            e.HasKey(m => m.Id);
            e.Property(m => m.Folder).HasMaxLength(BackedUpMessage.MaxFolderLength);
            e.HasIndex(m => new { m.MailboxId, m.Folder, m.UidValidity, m.Uid }).IsUnique();
            e.HasIndex(m => new { m.OrganizationId, m.MailboxId, m.Folder, m.Date });
            e.HasIndex(m => m.StoredMessageId);
        });
    }
}
