using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Custos.ControlPlane;
using Custos.ControlPlane.Backup;
using Custos.ControlPlane.Exports;
using Custos.ControlPlane.Mail;
using Custos.Data;
using Custos.DataPlane;
using Custos.DataPlane.Backup;
using Custos.DataPlane.Connectors.Imap;
using Custos.DataPlane.Storage;
using Custos.Domain.Audit;
using Custos.Domain.Backup;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Bench;

/// The Custos side of bench/backup.sh: a backup run through the product's own path (the
/// BackupRunner over IMAP into the storage, SQLite in a data folder), and a full restore of every
/// backed-up message to files through the MessageStore. Prints key=value facts for the script.
internal static class BackupBench
{
    /// The set-up a backup needs, done before any clock starts (as `restic init` is for restic): the
    /// database created and migrated, an organization created and the mailbox connected through
    /// <see cref="ConnectImapMailbox"/> (which signs in to the server once).
    public static async Task<int> ConnectAsync(string dataDir, string host, int port, string user, string password)
    {
        await using var services = Services(dataDir);
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.ApplyPendingMigrationsAsync();
        }

        Console.WriteLine($"organization={await OrganizationAsync(services, new ImapEndpoint(host, port, ImapSecurity.None, user, password))}");
        return 0;
    }

    /// Creates the organization and connects the mailbox if <see cref="ConnectAsync"/> did not; then one backup run.
    /// With <paramref name="waitFor"/>: the backup worker as the host runs it, one long-lived process.
    /// After the run it prints what /usr/bin/time would have said of a process that ended there
    /// (wall seconds since the process started, CPU seconds, peak RSS), waits until the file
    /// <paramref name="waitFor"/> exists (the script restores and writes new messages meanwhile), and
    /// runs again: the incremental run, printed with the prefix "incremental_" and its CPU seconds.
    /// With <paramref name="restoreTo"/> as well: while it waits, the file "{waitFor}.restore" makes it
    /// restore every message into that folder (as <see cref="RestoreAsync"/> does), print the figures
    /// with the prefix "worker_" and create "{waitFor}.restored".
    public static async Task<int> BackupAsync(string dataDir, string host, int port, string user, string password, string? waitFor = null, string? restoreTo = null)
    {
        using var sampler = AllocationSampler.FromEnvironment();
        await using var services = Services(dataDir);
        var endpoint = new ImapEndpoint(host, port, ImapSecurity.None, user, password);
        var first = await BackupOnceAsync(services, endpoint, "");
        Console.WriteLine(RuntimeFacts());
        if (sampler is not null)
        {
            Console.WriteLine(sampler.Top(25));
        }

        if (waitFor is null)
        {
            return first;
        }

        var self = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"process_seconds={(TimeProvider.System.GetLocalNow().LocalDateTime - self.StartTime).TotalSeconds:F2} cpu_seconds={self.TotalProcessorTime.TotalSeconds:F2} peak_rss_kb={PeakRssKb()}"));
        Console.Out.Flush();
        while (!File.Exists(waitFor))
        {
            if (restoreTo is not null && File.Exists(waitFor + ".restore"))
            {
                // A full restore served by the same worker, as the host serves one: the storage and
                // index code the backup ran is compiled, the restore's own code is not yet.
                File.Delete(waitFor + ".restore");
                self.Refresh();
                var before = self.TotalProcessorTime;
                var restored = await RestoreWithAsync(services, restoreTo);
                self.Refresh();
                Console.WriteLine("worker_" + restored + string.Create(CultureInfo.InvariantCulture, $" cpu_seconds={(self.TotalProcessorTime - before).TotalSeconds:F2}"));
                Console.Out.Flush();
                await File.WriteAllTextAsync(waitFor + ".restored", "");
            }

            await Task.Delay(20);
        }

        self.Refresh();
        var cpu = self.TotalProcessorTime;
        var second = await BackupOnceAsync(services, endpoint, "incremental_");
        self.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"incremental_cpu_seconds={(self.TotalProcessorTime - cpu).TotalSeconds:F2}"));
        return first == 0 ? second : first;
    }

    /// What the runtime itself spent so far: methods compiled by the JIT and its time, garbage
    /// collections and their pauses, bytes allocated. Printed to explain CPU seconds, not compared.
    private static string RuntimeFacts() => string.Create(CultureInfo.InvariantCulture,
        $"runtime jit_methods={System.Runtime.JitInfo.GetCompiledMethodCount()} jit_seconds={System.Runtime.JitInfo.GetCompilationTime().TotalSeconds:F2} gc0={GC.CollectionCount(0)} gc1={GC.CollectionCount(1)} gc2={GC.CollectionCount(2)} gc_pause_seconds={GC.GetTotalPauseDuration().TotalSeconds:F2} allocated_mb={GC.GetTotalAllocatedBytes() / 1_000_000} gc_committed_mb={GC.GetGCMemoryInfo().TotalCommittedBytes / 1_000_000} rss_now_mb={Environment.WorkingSet / 1_000_000}");

    /// The process's peak resident set so far (VmHWM), as /usr/bin/time's %M reports it at exit.
    private static long PeakRssKb() =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => long.Parse(l["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault();

    private static async Task<int> BackupOnceAsync(ServiceProvider services, ImapEndpoint endpoint, string prefix)
    {
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.ApplyPendingMigrationsAsync();
        }

        var org = await OrganizationAsync(services, endpoint);
        var clock = Stopwatch.StartNew();
        BackupRunResult result;
        await using (var scope = services.CreateAsyncScope())
        {
            result = await scope.ServiceProvider.GetRequiredService<BackupRunner>().RunAsync(org, CancellationToken.None);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await using var read = services.CreateAsyncScope();
        var db = read.ServiceProvider.GetRequiredService<AppDbContext>();
        var usage = await read.ServiceProvider.GetRequiredService<MessageStore>().UsageAsync(org, CancellationToken.None);
        var rows = await db.BackedUpMessages.CountAsync(m => m.OrganizationId == org);
        Console.WriteLine(prefix + string.Create(CultureInfo.InvariantCulture,
            $"outcome={result.Outcome} run_messages={result.Messages} run_bytes={result.Bytes} seconds={seconds:F2} indexed={rows} stored_bytes={usage.StoredBytes} logical_bytes={usage.LogicalBytes} unique_messages={usage.MessageCount} attachments_deduplicated={usage.AttachmentsDeduplicated} error={result.Error?.Replace(' ', '_')}"));
        return result.Outcome == BackupRunOutcome.Succeeded ? 0 : 1;
    }

    /// Every backed-up message of the organization, exactly as received, to {output}/{folder}/{uidvalidity}-{uid}.eml,
    /// through one MessageReader as a download uses it: the rows in batches of <see cref="RestoreBatch"/>, each
    /// prepared in one index query and read in pack order. Each message is read into memory and written to its
    /// file by a second task, so reading the next message overlaps creating and writing the last one's file.
    public static async Task<int> RestoreAsync(string dataDir, string output)
    {
        await using var services = Services(dataDir);
        var result = await RestoreWithAsync(services, output);
        Console.WriteLine(result);
        return result.Complete ? 0 : 1;
    }

    private sealed record RestoreResult(int Restored, long Bytes, double Seconds, bool Complete)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"restored={Restored} bytes={Bytes} seconds={Seconds:F2}");
    }

    private static async Task<RestoreResult> RestoreWithAsync(ServiceProvider services, string output)
    {
        var clock = Stopwatch.StartNew();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<MessageStore>();
        var org = await db.Organizations.Select(o => o.Id).SingleAsync();
        var rows = await db.BackedUpMessages.AsNoTracking().Where(m => m.OrganizationId == org)
            .OrderBy(m => m.Folder).ThenBy(m => m.Uid)
            .Select(m => new RestoreRow(m.Folder, m.UidValidity, m.Uid, m.StoredMessageId))
            .ToListAsync();
        var files = Channel.CreateBounded<(string Path, MemoryStream Body)>(new BoundedChannelOptions(16) { SingleReader = true, SingleWriter = true });
        var spare = new ConcurrentBag<MemoryStream>();
        var writing = Task.Run(async () =>
        {
            long written = 0;
            var folders = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                await foreach (var (path, body) in files.Reader.ReadAllAsync())
                {
                    if (folders.Add(Path.GetDirectoryName(path)!))
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    }

                    using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
                    {
                        file.Write(body.GetBuffer(), 0, (int)body.Length);
                    }

                    written += body.Length;
                    spare.Add(body);
                }
            }
            catch (Exception error)
            {
                files.Writer.TryComplete(error);
                throw;
            }

            return written;
        });

        var restored = 0;
        try
        {
            using var reader = store.OpenReader(org);
            for (var at = 0; at < rows.Count; at += RestoreBatch)
            {
                var batch = rows.GetRange(at, Math.Min(RestoreBatch, rows.Count - at)).ToLookup(r => r.StoredMessageId);
                foreach (var id in await reader.PrepareAsync([.. batch.Select(g => g.Key)], CancellationToken.None))
                {
                    foreach (var row in batch[id])
                    {
                        var body = spare.TryTake(out var reused) ? reused : new MemoryStream();
                        body.SetLength(0);
                        await reader.CopyToAsync(row.StoredMessageId, body, CancellationToken.None);
                        var path = Path.Combine(output, row.Folder.Replace('/', '_'), $"{row.UidValidity}-{row.Uid}.eml");
                        await files.Writer.WriteAsync((path, body));
                        restored++;
                    }
                }
            }
        }
        finally
        {
            files.Writer.TryComplete();
        }

        var bytes = await writing;
        return new RestoreResult(restored, bytes, clock.Elapsed.TotalSeconds, restored == rows.Count);
    }

    private const int RestoreBatch = 500;

    private sealed record RestoreRow(string Folder, long UidValidity, long Uid, Guid StoredMessageId);

    private static ServiceProvider Services(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var services = new ServiceCollection();
        var connection = $"Data Source={Path.Combine(dataDir, "custos.db")}";
        services.AddDbContext<AppDbContext, SqliteAppDbContext>(o => o.UseSqlite(connection));
        services.AddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddControlPlane();
        services.AddCustosStorage(StorageOptions.ForDataPath(dataDir));
        services.AddDataPlane(new ImapOptions());
        services.AddSingleton<IMailAddresses, BenchMailAddresses>();
        services.AddSingleton(new ExportFolder(Path.Combine(dataDir, "exports")));
        services.AddDataProtection().SetApplicationName("custos-bench").PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDir, "keys")));
        return services.BuildServiceProvider();
    }

    private static async Task<Guid> OrganizationAsync(IServiceProvider services, ImapEndpoint endpoint)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        if (await db.Organizations.Select(o => (Guid?)o.Id).SingleOrDefaultAsync() is { } existing)
        {
            return existing;
        }

        var now = TimeProvider.System.GetUtcNow();
        var partner = Partner.Create("Bench Partner", "DE", null, isDistributor: false, now).Value!;
        var plan = Plan.Create("Bench Backup", PlanType.Backup, 3m, "EUR", 1000, now).Value!;
        var org = Organization.Create(
            new NewOrganization(new PersonalInfo("Ann", "Bench", "ann@bench.example", "DE", "Bench Org"), AutoLicense: false, Seats: 5),
            partner, plan, now).Value!;
        db.AddRange(partner, plan, org);
        await db.SaveChangesAsync();

        var connected = await scope.ServiceProvider.GetRequiredService<ConnectImapMailbox>().HandleAsync(
            new ConnectImapMailboxRequest(Scope.Everything, new Actor("bench", "Benchmark"), org.Id, endpoint), CancellationToken.None);
        if (connected.Error is { } error)
        {
            throw new InvalidOperationException("Connecting the mailbox failed: " + error.Message);
        }

        return org.Id;
    }

    private sealed class BenchMailAddresses : IMailAddresses
    {
        public Uri PublicBase { get; } = new("http://127.0.0.1/");

        public string MessageIdDomain => "bench.example";
    }
}
