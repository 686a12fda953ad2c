using Custos.ControlPlane.Mail;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Exports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.ControlPlane.Exports;

public sealed record ExportRun(int Ready, int Failed, int FilesDeleted);

/// The export job's work (see README.md): deletes the files of expired exports, then claims queued
/// exports (and running ones whose lease lapsed: their node died) one after the other, streams each
/// to a temporary file, renames it, and marks the export ready together with its "ready" mail.
public sealed class RunCsvExports(
    AppDbContext db, Outbox outbox, ExportFolder folder, TimeProvider clock, IServiceScopeFactory scopes, ILogger<RunCsvExports> log)
{
    /// How long a claim holds without a sign of life; progress renews it.
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);

    /// Rows between two progress saves (rows so far, lease).
    public int ProgressEvery { get; init; } = 5000;

    /// Exports one run does at most, so a run ends and the scheduler stays responsive.
    public int MaxPerRun { get; init; } = 10;

    public async Task<ExportRun> HandleAsync(CancellationToken ct)
    {
        var deleted = await DeleteExpiredFilesAsync(ct);
        int ready = 0, failed = 0;
        for (var i = 0; i < MaxPerRun; i++)
        {
            var now = clock.GetUtcNow();
            db.ChangeTracker.Clear();
            var next = await db.CsvExports
                .Where(e => e.State == CsvExportState.Queued || (e.State == CsvExportState.Running && (e.LeaseUntil == null || e.LeaseUntil <= now)))
                .OrderBy(e => e.CreatedAt)
                .FirstOrDefaultAsync(ct);
            if (next is null)
            {
                break;
            }

            switch (await RunOneAsync(next, ct))
            {
                case CsvExportState.Ready:
                    ready++;
                    break;
                case CsvExportState.Failed:
                    failed++;
                    break;
            }
        }

        return new ExportRun(ready, failed, deleted);
    }

    private async Task<CsvExportState?> RunOneAsync(CsvExport export, CancellationToken ct)
    {
        var partner = await db.Partners.AsNoTracking().SingleAsync(p => p.Id == export.PartnerId, ct);
        var now = clock.GetUtcNow();
        var started = export.Start(CsvExport.FileNameFor(export.Status, partner.Name, now), now, now + Lease);
        if (started.Error is not null)
        {
            return null;
        }

        if (export.State == CsvExportState.Failed)
        {
            // Interrupted too often: given up rather than retried for ever.
            db.AuditEntries.Add(AuditEntry.For(AuditEventType.CsvExportFailed, Actor.System, now, export.PartnerId, null, null, RequestCsvExport.Describe(export)));
        }

        // The claim: a second node that read the same export loses on the version here.
        if ((await OrganizationCommands.SaveAsync(db, ct)).Error is not null)
        {
            return null;
        }

        if (export.State == CsvExportState.Failed)
        {
            return CsvExportState.Failed;
        }

        var attempt = export.Attempts;
        var claimed = export.Version;
        var temporary = folder.TemporaryFileOf(export.Id, attempt);
        long rows;
        try
        {
            Directory.CreateDirectory(folder.Path);
            var scope = OrganizationExportRows.ScopeOf(partner.Path, export.Query);
            var source = OrganizationExportRows.Rows(db, scope, export.Query).AsAsyncEnumerable();
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                rows = await CsvExportFormat.WriteAsync(file, export.Status, source, async n => claimed = await ProgressAsync(export.Id, claimed, n, ct), ProgressEvery, ct);
            }

            File.Move(temporary, folder.FileOf(export.Id), overwrite: true);

            // What runs that died before this one left behind.
            foreach (var left in Directory.EnumerateFiles(folder.Path, $"{export.Id:N}.*.csv.tmp"))
            {
                TryDelete(left);
            }
        }
        catch (ExportTakenOver)
        {
            TryDelete(temporary);
            log.LogWarning("Export {ExportId} was taken over by another run; this run stops", export.Id);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            TryDelete(temporary);
            log.LogError(e, "Export {ExportId} failed", export.Id);
            return await FinishAsync(export.Id, claimed, x => x.Fail("The file could not be written: " + e.Message, clock.GetUtcNow()), ct);
        }

        var size = new FileInfo(folder.FileOf(export.Id)).Length;
        return await FinishAsync(export.Id, claimed, x =>
        {
            x.Complete(rows, size, clock.GetUtcNow());
            outbox.Add(ReadyMail(x, partner.Name), "export.ready", x.PartnerId);
        }, ct);
    }

    /// Marks the export ready or failed, with its audit entry (and mail), in one save; null when
    /// another run took the export over meanwhile.
    private async Task<CsvExportState?> FinishAsync(Guid id, int claimed, Action<CsvExport> finish, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        var export = await db.CsvExports.SingleAsync(e => e.Id == id, ct);
        if (export.Version != claimed || export.State != CsvExportState.Running)
        {
            return null;
        }

        finish(export);
        var type = export.State == CsvExportState.Ready ? AuditEventType.CsvExportReady : AuditEventType.CsvExportFailed;
        db.AuditEntries.Add(AuditEntry.For(type, Actor.System, clock.GetUtcNow(), export.PartnerId, null, null, RequestCsvExport.Describe(export)));
        var saved = await OrganizationCommands.SaveAsync(db, ct);
        return saved.Error is null ? export.State : null;
    }

    /// Saves the rows so far and renews the lease, on a connection of its own (the rows are being
    /// read on this run's). Returns the export's new version; throws when another run has it now.
    private async Task<int> ProgressAsync(Guid id, int expectedVersion, long rows, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var progressDb = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var export = await progressDb.CsvExports.SingleAsync(e => e.Id == id, ct);
        if (export.Version != expectedVersion)
        {
            throw new ExportTakenOver();
        }

        export.RecordProgress(rows, clock.GetUtcNow() + Lease);
        if ((await OrganizationCommands.SaveAsync(progressDb, ct)).Error is not null)
        {
            throw new ExportTakenOver();
        }

        return export.Version;
    }

    private async Task<int> DeleteExpiredFilesAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var expired = await db.CsvExports
            .Where(e => e.State == CsvExportState.Ready && e.ExpiresAt <= now && e.FileDeletedAt == null)
            .OrderBy(e => e.ExpiresAt)
            .Take(100)
            .ToListAsync(ct);
        foreach (var export in expired)
        {
            TryDelete(folder.FileOf(export.Id));
            export.FileDeleted(now);
            db.AuditEntries.Add(AuditEntry.For(AuditEventType.CsvExportFileDeleted, Actor.System, now, export.PartnerId, null, null, RequestCsvExport.Describe(export)));
        }

        if (expired.Count > 0)
        {
            await OrganizationCommands.SaveAsync(db, ct);
        }

        return expired.Count;
    }

    private Custos.Domain.Mail.OutgoingMail ReadyMail(CsvExport export, string partnerName) =>
        MailBody.To(export.RequestedByName)
            .Paragraph($"The CSV export of your {export.Status.ToString().ToLowerInvariant()} organizations is ready: "
                + $"{export.RowsSoFar:N0} organizations in \"{export.FileName}\".")
            .Action("Download the CSV", DownloadLink(outbox.Addresses, export.Id))
            .Footer($"The link works for {CsvExport.LinkLifetime.TotalDays:0} days, for users of {partnerName} signed in to Custos. "
                + "You receive this message because you asked for the export.")
            .ToMail(export.RequestedByEmail, "Your CSV Download is Ready", export.RequestedByName, partnerName);

    /// The link in the mail and on the Exports page.
    public static Uri DownloadLink(IMailAddresses addresses, Guid exportId) => new(addresses.PublicBase, $"organizations/exports/{exportId}/download");

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogWarning(e, "Could not delete {Path}", path);
        }
    }

    private sealed class ExportTakenOver : Exception;
}
