using System.Text;
using Custos.Data;
using Custos.Data.Storage;
using Custos.DataPlane.Storage;
using Custos.Domain;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.DataPlane.Restore;

/// Read-only queries over an organization's backups: its mailboxes, a mailbox's folders, a folder's
/// messages (keyset paging, search, date range). The partner portal and the customer portal both
/// list through here; every query starts from an <see cref="OrganizationBackup"/>, which only
/// <see cref="OpenAsync"/> hands out after the tenant scope and purge checks. See README.md.
public sealed class BackupBrowser(AppDbContext db, OrganizationKeys keys)
{
    /// Rows decrypted for one searched page at most: a search costs one AES-GCM open per row it
    /// passes, so a page that has not found enough matches by then stops and offers to go on.
    public const int SearchScanBudget = 5_000;

    private const int ScanBatch = 500;

    /// 1 GB as the Features tab counts it, in decimal bytes: a part is within the limit however
    /// the person downloading it counts a gigabyte.
    public const long BytesPerGb = 1_000_000_000;

    /// The organization's backups if the scope reaches it (else <see cref="BackupNotFound"/>) and
    /// it is neither deleted nor purged (else <see cref="BackupPurged"/>).
    public async Task<Result<OrganizationBackup>> OpenAsync(Scope scope, Guid organizationId, CancellationToken ct)
    {
        var org = await db.InScope(scope).AsNoTracking()
            .Where(o => o.Id == organizationId)
            .Select(o => new { o.Id, o.PartnerId, o.PublicId, o.Name, o.Status, o.DownloadLimitGb })
            .SingleOrDefaultAsync(ct);
        if (org is null)
        {
            return new BackupNotFound();
        }

        var destroyed = await db.OrganizationDataKeys.AsNoTracking()
            .AnyAsync(k => k.OrganizationId == organizationId && (k.WrappedKey == null || k.DestroyedAt != null), ct);
        if (org.Status == OrganizationStatus.Deleted || destroyed)
        {
            return new BackupPurged();
        }

        return new OrganizationBackup(org.Id, org.PartnerId, org.PublicId, org.Name, org.DownloadLimitGb * BytesPerGb);
    }

    /// Every mailbox with backed-up messages or a connection, by name. Stored bytes are what the
    /// mailbox's messages added to storage when first stored (content shared with another mailbox
    /// counts in both; an attachment shared with an earlier message counts where it was first stored).
    public async Task<List<MailboxBackup>> ListMailboxesAsync(OrganizationBackup backup, CancellationToken ct)
    {
        var org = backup.OrganizationId;
        var connected = await db.ImapMailboxes.AsNoTracking()
            .Where(m => m.OrganizationId == org)
            .Select(m => new { m.Id, m.UserName, m.Host })
            .ToListAsync(ct);
        var counts = await db.BackedUpMessages.AsNoTracking()
            .Where(m => m.OrganizationId == org)
            .GroupBy(m => m.MailboxId)
            .Select(g => new { MailboxId = g.Key, Messages = g.Count(), Logical = g.Sum(m => m.LogicalBytes) })
            .ToListAsync(ct);

        var result = new List<MailboxBackup>();
        foreach (var id in connected.Select(m => m.Id).Union(counts.Select(c => c.MailboxId)))
        {
            var mailbox = connected.FirstOrDefault(m => m.Id == id);
            var count = counts.FirstOrDefault(c => c.MailboxId == id);
            result.Add(new MailboxBackup(
                id, mailbox?.UserName, mailbox?.Host, count?.Messages ?? 0, count?.Logical ?? 0,
                count is null ? 0 : await StoredBytesAsync(org, id, ct),
                count is null ? null : await LastBackedUpAsync(org, id, null, ct)));
        }

        return [.. result.OrderBy(m => m.UserName is null).ThenBy(m => m.UserName, StringComparer.OrdinalIgnoreCase).ThenBy(m => m.Host).ThenBy(m => m.MailboxId)];
    }

    /// One mailbox of the organization, or null when it has neither a connection nor messages.
    public async Task<MailboxBackup?> FindMailboxAsync(OrganizationBackup backup, Guid mailboxId, CancellationToken ct)
    {
        var org = backup.OrganizationId;
        var connected = await db.ImapMailboxes.AsNoTracking()
            .Where(m => m.OrganizationId == org && m.Id == mailboxId)
            .Select(m => new { m.UserName, m.Host })
            .SingleOrDefaultAsync(ct);
        var rows = db.BackedUpMessages.AsNoTracking().Where(m => m.OrganizationId == org && m.MailboxId == mailboxId);
        var messages = await rows.CountAsync(ct);
        if (connected is null && messages == 0)
        {
            return null;
        }

        return new MailboxBackup(
            mailboxId, connected?.UserName, connected?.Host, messages,
            messages == 0 ? 0 : await rows.SumAsync(m => m.LogicalBytes, ct),
            messages == 0 ? 0 : await StoredBytesAsync(org, mailboxId, ct),
            messages == 0 ? null : await LastBackedUpAsync(org, mailboxId, null, ct));
    }

    /// The mailbox's folders by name (ordinal), with counts.
    public async Task<List<FolderBackup>> ListFoldersAsync(OrganizationBackup backup, Guid mailboxId, CancellationToken ct)
    {
        var org = backup.OrganizationId;
        var folders = await db.BackedUpMessages.AsNoTracking()
            .Where(m => m.OrganizationId == org && m.MailboxId == mailboxId)
            .GroupBy(m => m.Folder)
            .Select(g => new { Folder = g.Key, Messages = g.Count(), Logical = g.Sum(m => m.LogicalBytes) })
            .ToListAsync(ct);

        var result = new List<FolderBackup>();
        foreach (var folder in folders.OrderBy(f => f.Folder, StringComparer.Ordinal))
        {
            result.Add(new FolderBackup(folder.Folder, folder.Messages, folder.Logical, await LastBackedUpAsync(org, mailboxId, folder.Folder, ct)));
        }

        return result;
    }

    /// A page of a folder's messages, newest first (Date desc, then Id desc), after the query's
    /// cursor. The date range is filtered in SQL; the text search opens the sealed headers of each
    /// row in order and keeps the matches, at most <see cref="SearchScanBudget"/> rows per page.
    public async Task<MessagePage> ListMessagesAsync(
        OrganizationBackup backup, Guid mailboxId, MessageQuery query, int pageSize, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        using var key = await keys.FindAsync(db, backup.OrganizationId, ct);
        if (key is null)
        {
            return new MessagePage([], null, 0);
        }

        var rows = Filtered(backup, mailboxId, query);
        var text = Fold(query.Text);
        var found = new List<MessageSummary>();
        var after = query.After;
        var scanned = 0;
        while (true)
        {
            var take = text is null ? pageSize + 1 : Math.Min(ScanBatch, SearchScanBudget - scanned);
            var batch = await After(rows, after)
                .OrderByDescending(m => m.Date ?? m.BackedUpAt).ThenByDescending(m => m.Id)
                .Take(take)
                .Select(m => new { m.Id, m.SealedHeaders, SortDate = m.Date ?? m.BackedUpAt, m.LogicalBytes })
                .ToListAsync(ct);

            foreach (var row in batch)
            {
                scanned++;
                var headers = MessageHeaders.Open(key, row.Id, row.SealedHeaders);
                if (text is null || Fold(headers.Subject)!.Contains(text, StringComparison.Ordinal) || Fold(headers.From)!.Contains(text, StringComparison.Ordinal))
                {
                    found.Add(new MessageSummary(row.Id, headers.Subject, headers.From, row.SortDate, row.LogicalBytes));
                    if (found.Count > pageSize)
                    {
                        var last = found[pageSize - 1];
                        return new MessagePage(found[..pageSize], new MessageCursor(last.Date, last.Id), scanned);
                    }
                }

                after = new MessageCursor(row.SortDate, row.Id);
            }

            if (batch.Count < take)
            {
                return new MessagePage(found, null, scanned);
            }

            if (text is not null && scanned >= SearchScanBudget)
            {
                // The budget ran out before the page filled: the next page goes on from the last row read.
                return new MessagePage(found, after, scanned);
            }
        }
    }

    /// The folder's rows after the query's filters (not the cursor), in SQL.
    internal IQueryable<BackedUpMessage> Filtered(OrganizationBackup backup, Guid mailboxId, MessageQuery query)
    {
        var org = backup.OrganizationId;
        var folder = query.Folder;
        var rows = db.BackedUpMessages.AsNoTracking()
            .Where(m => m.OrganizationId == org && m.MailboxId == mailboxId && m.Folder == folder);
        if (query.From is { } from)
        {
            rows = rows.Where(m => (m.Date ?? m.BackedUpAt) >= from);
        }

        if (query.To is { } to)
        {
            rows = rows.Where(m => (m.Date ?? m.BackedUpAt) < to);
        }

        return rows;
    }

    /// Case-insensitive comparison form: Unicode-normalized (NFKC), then upper-cased invariantly.
    internal static string? Fold(string? text)
    {
        var trimmed = text?.Trim();
        return string.IsNullOrEmpty(trimmed) ? null : trimmed.Normalize(NormalizationForm.FormKC).ToUpperInvariant();
    }

    private static IQueryable<BackedUpMessage> After(IQueryable<BackedUpMessage> rows, MessageCursor? after)
    {
        if (after is null)
        {
            return rows;
        }

        var date = after.Date;
        var id = after.Id;
        return rows.Where(m => (m.Date ?? m.BackedUpAt) < date || ((m.Date ?? m.BackedUpAt) == date && m.Id.CompareTo(id) < 0));
    }

    private Task<long> StoredBytesAsync(Guid org, Guid mailboxId, CancellationToken ct) =>
        db.StoredMessages.AsNoTracking()
            .Where(s => s.OrganizationId == org
                && db.BackedUpMessages.Any(b => b.OrganizationId == org && b.MailboxId == mailboxId && b.StoredMessageId == s.Id))
            .SumAsync(s => s.StoredBytesAdded, ct);

    private async Task<DateTimeOffset?> LastBackedUpAsync(Guid org, Guid mailboxId, string? folder, CancellationToken ct)
    {
        var rows = db.BackedUpMessages.AsNoTracking().Where(m => m.OrganizationId == org && m.MailboxId == mailboxId);
        if (folder is not null)
        {
            rows = rows.Where(m => m.Folder == folder);
        }

        var last = await rows.OrderByDescending(m => m.BackedUpAt).Select(m => new { m.BackedUpAt }).FirstOrDefaultAsync(ct);
        return last?.BackedUpAt;
    }
}
