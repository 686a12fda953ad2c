using System.Text;
using System.Text.Json;
using Custos.Data;
using Custos.DataPlane.Storage;
using Custos.Domain;
using Custos.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace Custos.DataPlane.Restore;

/// Downloads of backed-up mail: one message as .eml, and a folder as a zip of .eml files or an
/// mbox, cut into numbered parts no larger than a byte limit, each its own download. Every
/// download is audited (<see cref="AuditEventType.BackupDownloaded"/>). See README.md.
public sealed class BackupDownloads(AppDbContext db, OrganizationKeys keys, MessageStore store, TimeProvider clock)
{
    /// File names in archives are cut to this many UTF-8 bytes (before the ".eml"), so a part's
    /// size can be bounded before its messages are read.
    public const int MaxNameBytes = 100;

    private const int FetchBatch = 500;

    /// One message as .eml, or <see cref="BackupNotFound"/>.
    public async Task<Result<EmlDownload>> FindEmlAsync(OrganizationBackup backup, Guid mailboxId, Guid messageId, CancellationToken ct)
    {
        var org = backup.OrganizationId;
        var row = await db.BackedUpMessages.AsNoTracking()
            .Where(m => m.OrganizationId == org && m.MailboxId == mailboxId && m.Id == messageId)
            .Select(m => new { m.Id, m.Folder, m.StoredMessageId, m.SealedHeaders, SortDate = m.Date ?? m.BackedUpAt })
            .SingleOrDefaultAsync(ct);
        var stored = row is null
            ? null
            : await db.StoredMessages.AsNoTracking()
                .Where(s => s.OrganizationId == org && s.Id == row.StoredMessageId)
                .Select(s => new { s.Id, s.LogicalBytes })
                .SingleOrDefaultAsync(ct);
        if (row is null || stored is null)
        {
            return new BackupNotFound();
        }

        using var key = await keys.FindAsync(db, org, ct) ?? throw new OrganizationDataDestroyedException(org);
        var headers = MessageHeaders.Open(key, row.Id, row.SealedHeaders);
        return new EmlDownload(row.Id, row.Folder, FileName(headers.Subject, row.SortDate), stored.LogicalBytes, async (destination, token) =>
        {
            using var reader = store.OpenReader(org);
            await CopyAsync(reader, org, stored.Id, destination, token);
        });
    }

    /// The folder's archive in parts of at most <paramref name="partLimit"/> bytes, over the rows
    /// backed up until <paramref name="asOf"/> (now when null), oldest backed up first. Parts are
    /// cut by upper bounds computed from the sizes in the index, so no message is read to plan them.
    public async Task<Result<ArchivePlan>> PlanAsync(
        OrganizationBackup backup, Guid mailboxId, string folder, ArchiveFormat format, long partLimit, DateTimeOffset? asOf, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partLimit, 1);
        var org = backup.OrganizationId;
        var until = asOf ?? clock.GetUtcNow();
        var rows = await db.BackedUpMessages.AsNoTracking()
            .Where(m => m.OrganizationId == org && m.MailboxId == mailboxId && m.Folder == folder && m.BackedUpAt <= until)
            .OrderBy(m => m.BackedUpAt).ThenBy(m => m.Id)
            .Select(m => new { m.Id, m.LogicalBytes })
            .ToListAsync(ct);
        if (rows.Count == 0)
        {
            return new BackupNotFound();
        }

        var end = format == ArchiveFormat.Zip ? ArchiveWriter.ZipEndBound : 0;
        var parts = new List<ArchivePartPlan>();
        var ids = new List<IReadOnlyList<Guid>>();
        var current = new List<Guid>();
        long bound = end;
        long logical = 0;
        foreach (var row in rows)
        {
            var need = format == ArchiveFormat.Zip
                ? ArchiveWriter.ZipEntryBound(MaxNameBytes + 4, row.LogicalBytes)
                : ArchiveWriter.MboxEntryBound(row.LogicalBytes);
            if (current.Count > 0 && bound + need > partLimit)
            {
                parts.Add(new ArchivePartPlan(parts.Count + 1, current.Count, logical, bound));
                ids.Add(current);
                current = [];
                bound = end;
                logical = 0;
            }

            current.Add(row.Id);
            bound += need;
            logical += row.LogicalBytes;
        }

        parts.Add(new ArchivePartPlan(parts.Count + 1, current.Count, logical, bound));
        ids.Add(current);
        return new ArchivePlan(format, until, parts) { PartRows = ids };
    }

    /// Writes part <paramref name="number"/> of the plan to <paramref name="destination"/> (left
    /// open) and returns the bytes written; <see cref="BackupNotFound"/> for a part the plan lacks.
    public async Task<Result<long>> WritePartAsync(OrganizationBackup backup, ArchivePlan plan, int number, Stream destination, CancellationToken ct)
    {
        if (number < 1 || number > plan.Parts.Count)
        {
            return new BackupNotFound();
        }

        var output = new CountingStream(destination, leaveOpen: true);

        // One reader for the whole part: the key unwrapped once for this download, packs kept open.
        using var reader = store.OpenReader(backup.OrganizationId);
        var messages = Messages(backup.OrganizationId, reader, plan.PartRows[number - 1], ct);
        var written = plan.Format == ArchiveFormat.Zip
            ? await ArchiveWriter.WriteZipAsync(messages, long.MaxValue, _ => output, ct)
            : await ArchiveWriter.WriteMboxAsync(messages, long.MaxValue, _ => output, ct);
        if (written.Count != 1)
        {
            throw new InvalidOperationException($"Part {number} was written as {written.Count} files.");
        }

        return output.Written;
    }

    /// Records a download in the audit journal: who, what, and its size.
    public async Task RecordAsync(OrganizationBackup backup, Actor actor, DownloadRecord what, CancellationToken ct)
    {
        db.AuditEntries.Add(AuditEntry.For(
            AuditEventType.BackupDownloaded, actor, clock.GetUtcNow(), backup.PartnerId, backup.OrganizationId, null,
            JsonSerializer.Serialize(what, AuditJson)));
        await db.SaveChangesAsync(ct);
    }

    /// "2026-03-10 0915 Quarterly report.eml": the date, then the subject with characters that
    /// are not allowed in file names replaced, cut to <see cref="MaxNameBytes"/> UTF-8 bytes.
    public static string FileName(string subject, DateTimeOffset date)
    {
        var text = new StringBuilder(date.UtcDateTime.ToString("yyyy-MM-dd HHmm", System.Globalization.CultureInfo.InvariantCulture));
        text.Append(' ');
        foreach (var c in string.IsNullOrWhiteSpace(subject) ? "(no subject)" : subject.Trim())
        {
            text.Append(char.IsControl(c) || "/\\:*?\"<>|".Contains(c) ? '_' : c);
        }

        var name = text.ToString().TrimEnd('.', ' ');
        while (Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            name = name[..^(char.IsLowSurrogate(name[^1]) && name.Length > 1 ? 2 : 1)];
        }

        return name + ".eml";
    }

    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web);

    private async IAsyncEnumerable<ArchiveMessage> Messages(Guid org, MessageReader reader, IReadOnlyList<Guid> ids, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        for (var at = 0; at < ids.Count; at += FetchBatch)
        {
            var batchIds = ids.Skip(at).Take(FetchBatch).ToList();
            var rows = await db.BackedUpMessages.AsNoTracking()
                .Where(m => m.OrganizationId == org && batchIds.Contains(m.Id))
                .Join(db.StoredMessages.Where(s => s.OrganizationId == org), m => m.StoredMessageId, s => s.Id,
                    (m, s) => new { m.Id, m.SealedHeaders, SortDate = m.Date ?? m.BackedUpAt, StoredId = s.Id, s.LogicalBytes })
                .ToListAsync(ct);
            if (rows.Count != batchIds.Count)
            {
                throw new InvalidOperationException("Messages of the archive are gone from the index.");
            }

            using var key = await keys.FindAsync(db, org, ct) ?? throw new OrganizationDataDestroyedException(org);

            // The batch's index rows in one query; the archive keeps the plan's order, not the packs'.
            await reader.PrepareAsync([.. rows.Select(r => r.StoredId)], ct);
            var byId = rows.ToDictionary(r => r.Id);
            var batch = batchIds.Select(id => byId[id]).Select(r =>
            {
                var headers = MessageHeaders.Open(key, r.Id, r.SealedHeaders);
                var storedId = r.StoredId;
                return new ArchiveMessage(FileName(headers.Subject, r.SortDate), r.LogicalBytes, r.SortDate,
                    (destination, token) => CopyAsync(reader, org, storedId, destination, token));
            }).ToList();
            foreach (var message in batch)
            {
                yield return message;
            }
        }
    }

    private async Task CopyAsync(MessageReader reader, Guid org, Guid storedMessageId, Stream destination, CancellationToken ct)
    {
        if (!await reader.CopyToAsync(storedMessageId, destination, ct))
        {
            // Gone from the index: a purge took it (the key check throws OrganizationDataDestroyedException), or a bug.
            using var key = await keys.FindAsync(db, org, ct);
            throw new InvalidOperationException($"Stored message {storedMessageId} is gone.");
        }
    }
}

/// What an audited download was: a message or part N of M of a folder, its format, and the bytes
/// of the messages in it (the file adds the archive's framing).
public sealed record DownloadRecord(
    Guid MailboxId, string Folder, string Format, Guid? MessageId, int? Part, int? Parts, int Messages, long Bytes);
