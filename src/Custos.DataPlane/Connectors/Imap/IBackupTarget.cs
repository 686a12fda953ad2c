namespace Custos.DataPlane.Connectors.Imap;

/// Where one folder stands in the backup: the server's UIDVALIDITY the UIDs belong to, the highest
/// UID already backed up, and the UIDNEXT/HIGHESTMODSEQ seen when the folder was last finished
/// (0 while a folder is part-way), which let an unchanged folder be skipped without a search.
public sealed record FolderCheckpoint(string Folder, uint UidValidity, uint LastUid, uint UidNext, ulong HighestModSeq);

/// What a sync run should do after a commit.
public enum SyncVerdict
{
    Continue = 1,

    /// Stop now (the organization was suspended or ended, or the node is shutting down); what
    /// was committed stays.
    Stop = 2,
}

/// The receiving side of a mailbox sync: the backup store. A message handed to <see cref="StoreAsync"/>
/// becomes part of the backup only with the next <see cref="CommitAsync"/>, which saves it together
/// with the folder's checkpoint; after a crash, messages stored but not committed are fetched again
/// (the store recognises their content, so nothing is duplicated).
public interface IBackupTarget
{
    /// The checkpoints of the last committed work, by folder full name.
    Task<IReadOnlyDictionary<string, FolderCheckpoint>> LoadCheckpointsAsync(CancellationToken ct);

    /// One message as the server sent it (BODY.PEEK[]), identified by (folder, UIDVALIDITY, UID).
    /// The stream is only valid during the call.
    Task StoreAsync(string folder, uint uidValidity, uint uid, Stream raw, CancellationToken ct);

    /// Makes the stored messages and <paramref name="checkpoint"/> durable together, then says whether to go on.
    Task<SyncVerdict> CommitAsync(FolderCheckpoint checkpoint, CancellationToken ct);
}
