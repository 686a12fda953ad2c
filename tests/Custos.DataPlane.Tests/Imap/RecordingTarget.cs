using Custos.DataPlane.Connectors.Imap;

namespace Custos.DataPlane.Tests.Imap;

/// A backup target that keeps committed messages in memory, keyed like the real store by
/// (folder, UIDVALIDITY, UID), so a duplicate delivery is visible as a second store of the same key.
/// It can stop a run after a number of commits (a suspend arriving mid-run) or throw before a
/// commit (a crash), discarding what was not committed, as a database transaction would.
public sealed class RecordingTarget : IBackupTarget
{
    private readonly Dictionary<string, FolderCheckpoint> _checkpoints = new(StringComparer.Ordinal);
    private readonly List<(string Folder, uint UidValidity, uint Uid, byte[] Raw)> _pending = [];

    public Dictionary<(string Folder, uint UidValidity, uint Uid), byte[]> Committed { get; } = [];

    /// Every StoreAsync call, committed or not (to see what a run fetched).
    public List<(string Folder, uint UidValidity, uint Uid)> Fetched { get; } = [];

    public int Commits { get; private set; }

    /// Stop the run at this commit (counted over the target's life); null: never.
    public int? StopAtCommit { get; set; }

    /// Throw instead of committing at this commit; null: never.
    public int? CrashAtCommit { get; set; }

    public IReadOnlyDictionary<string, FolderCheckpoint> Checkpoints => _checkpoints;

    public Task<IReadOnlyDictionary<string, FolderCheckpoint>> LoadCheckpointsAsync(CancellationToken ct)
    {
        _pending.Clear();
        return Task.FromResult<IReadOnlyDictionary<string, FolderCheckpoint>>(new Dictionary<string, FolderCheckpoint>(_checkpoints));
    }

    public async Task StoreAsync(string folder, uint uidValidity, uint uid, Stream raw, CancellationToken ct)
    {
        using var copy = new MemoryStream();
        await raw.CopyToAsync(copy, ct);
        _pending.Add((folder, uidValidity, uid, copy.ToArray()));
        Fetched.Add((folder, uidValidity, uid));
    }

    public Task<SyncVerdict> CommitAsync(FolderCheckpoint checkpoint, CancellationToken ct)
    {
        var number = Commits + 1;
        if (CrashAtCommit == number)
        {
            CrashAtCommit = null;
            _pending.Clear();
            throw new SimulatedCrash();
        }

        Commits = number;
        foreach (var (folder, uidValidity, uid, raw) in _pending)
        {
            if (!Committed.TryAdd((folder, uidValidity, uid), raw))
            {
                throw new InvalidOperationException($"{folder} {uidValidity}/{uid} was committed twice.");
            }
        }

        _pending.Clear();
        _checkpoints[checkpoint.Folder] = checkpoint;
        return Task.FromResult(StopAtCommit == number ? SyncVerdict.Stop : SyncVerdict.Continue);
    }

    public List<byte[]> MessagesIn(string folder) =>
        Committed.Where(kv => kv.Key.Folder == folder).OrderBy(kv => kv.Key.Uid).Select(kv => kv.Value).ToList();
}

/// The process "dies" at a commit.
public sealed class SimulatedCrash : Exception
{
    public SimulatedCrash() : base("Simulated crash before commit.") { }
}
