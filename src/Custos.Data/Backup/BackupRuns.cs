using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.Data.Backup;

/// Where one folder of one mailbox stands: the UIDVALIDITY its UIDs belong to, the highest UID
/// committed, and the UIDNEXT/HIGHESTMODSEQ seen when the folder was last finished (0 while
/// part-way). Written in the same transaction as the index rows of the batch it ends.
public sealed class BackupCheckpoint
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid MailboxId { get; set; }

    public string Folder { get; set; } = "";

    public long UidValidity { get; set; }

    public long LastUid { get; set; }

    public long UidNext { get; set; }

    /// RFC 7162 mod-sequences are 63-bit, so they fit.
    public long HighestModSeq { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public enum BackupRunState
{
    Running = 1,
    Succeeded = 2,
    Failed = 3,

    /// The organization's status (or the node shutting down) stopped it; committed work stays.
    Stopped = 4,
}

public enum BackupTrigger
{
    Scheduled = 1,

    /// "Back up now".
    Manual = 2,

    /// A failed run tried again.
    Retry = 3,
}

/// One backup run of an organization: every mailbox in turn. Updated at each commit, so its
/// progress is visible while it runs; the node renews its lease at each commit, and a run whose
/// lease ran out belongs to a node that died (the next dispatch marks it failed and runs again).
public sealed class BackupRun
{
    public const int MaxErrorLength = 1000;
    public const int MaxNodeLength = 200;

    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public BackupTrigger Trigger { get; set; }

    /// 1 for the first try, 2 for its first retry, …
    public int Attempt { get; set; } = 1;

    public BackupRunState State { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public string Node { get; set; } = "";

    public DateTimeOffset LeaseUntil { get; set; }

    public int Mailboxes { get; set; }

    public int MailboxesDone { get; set; }

    /// Messages committed to the index so far (a message seen again after a crash counts once).
    public int Messages { get; set; }

    /// Bytes of those messages as the servers sent them.
    public long Bytes { get; set; }

    /// What the storage grew by (deduplicated content adds nothing).
    public long StoredBytesAdded { get; set; }

    public string? LastError { get; set; }
}

/// The backup facts of one mailbox for the Backups tab: when it last ran, last succeeded, and
/// what went wrong last (cleared by a success).
public sealed class MailboxBackupState
{
    public Guid MailboxId { get; set; }

    public Guid OrganizationId { get; set; }

    public DateTimeOffset? LastRunAt { get; set; }

    public DateTimeOffset? LastSuccessAt { get; set; }

    public string? LastError { get; set; }
}

/// One organization's backup work on one UTC day, summed over its runs (for Insights).
public sealed class BackupDailyUsage
{
    public Guid OrganizationId { get; set; }

    public DateOnly Day { get; set; }

    public int Runs { get; set; }

    public int Messages { get; set; }

    public long LogicalBytes { get; set; }

    public long StoredBytesAdded { get; set; }

    public int AttachmentsStored { get; set; }

    public int AttachmentsDeduplicated { get; set; }
}

public static class BackupRunModel
{
    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<BackupCheckpoint>(e =>
        {
            e.ToTable("BackupCheckpoints");
            e.HasKey(c => c.Id);
            e.Property(c => c.Folder).HasMaxLength(Storage.BackedUpMessage.MaxFolderLength);
            e.HasIndex(c => new { c.MailboxId, c.Folder }).IsUnique();
            e.HasIndex(c => c.OrganizationId);
            e.HasOne<ImapMailbox>().WithMany().HasForeignKey(c => c.MailboxId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<BackupRun>(e =>
        {
            e.ToTable("BackupRuns");
            e.HasKey(r => r.Id);
            e.Property(r => r.State).HasConversion<string>().HasMaxLength(16);
            e.Property(r => r.Trigger).HasConversion<string>().HasMaxLength(16);
            e.Property(r => r.Node).HasMaxLength(BackupRun.MaxNodeLength);
            e.Property(r => r.LastError).HasMaxLength(BackupRun.MaxErrorLength);
            e.HasIndex(r => new { r.OrganizationId, r.StartedAt });
            e.HasIndex(r => new { r.State, r.LeaseUntil });
            e.HasOne<Organization>().WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<MailboxBackupState>(e =>
        {
            e.ToTable("MailboxBackupStates");
            e.HasKey(s => s.MailboxId);
            e.Property(s => s.LastError).HasMaxLength(BackupRun.MaxErrorLength);
            e.HasIndex(s => s.OrganizationId);
            e.HasOne<ImapMailbox>().WithMany().HasForeignKey(s => s.MailboxId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<BackupDailyUsage>(e =>
        {
            e.ToTable("BackupDailyUsage");
            e.HasKey(u => new { u.OrganizationId, u.Day });
            e.HasOne<Organization>().WithMany().HasForeignKey(u => u.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
