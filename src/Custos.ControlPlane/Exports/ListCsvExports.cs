using Custos.Data;
using Custos.Domain.Exports;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Exports;

/// Who is looking at exports: a partner user, with its partner's path; <see cref="OwnOnly"/> for
/// an Administrator limited to its groups (others' exports may hold organizations it may not see).
public sealed record ExportViewer(Guid PartnerId, string PartnerPath, Guid UserId, bool OwnOnly);

/// The Exports page: the partner's most recent exports, newest first.
public sealed class ListCsvExports(AppDbContext db)
{
    public const int Shown = 20;

    public Task<List<CsvExport>> HandleAsync(ExportViewer viewer, CancellationToken ct) =>
        db.CsvExports.AsNoTracking()
            .Where(e => e.PartnerId == viewer.PartnerId && (!viewer.OwnOnly || e.RequestedByUserId == viewer.UserId))
            .OrderByDescending(e => e.CreatedAt)
            .Take(Shown)
            .ToListAsync(ct);
}

/// One export for its download link: only for users of the requesting partner or of a partner above
/// it (an Administrator limited to its groups: only its own); anything else is not found.
public sealed class FindCsvExport(AppDbContext db)
{
    public Task<CsvExport?> HandleAsync(ExportViewer viewer, Guid exportId, CancellationToken ct)
    {
        var path = viewer.PartnerPath;
        return db.CsvExports.AsNoTracking()
            .Where(e => e.Id == exportId
                && db.Partners.Any(p => p.Id == e.PartnerId && p.Path.StartsWith(path))
                && (!viewer.OwnOnly || e.RequestedByUserId == viewer.UserId))
            .SingleOrDefaultAsync(ct);
    }
}
