using Custos.Data;
using Custos.Domain.Organizations;
using Microsoft.EntityFrameworkCore;

namespace Custos.DataPlane.Storage;

/// An issued certificate as a download: its file name and its exact JSON.
public sealed record PurgeCertificateFile(string FileName, string Json);

public sealed record PurgeCertificateSummary(
    Guid OrganizationId, string? OrganizationPublicId, DateTimeOffset DestroyedAt, int PacksDeleted, long BytesDeleted, DateTimeOffset IssuedAt);

public static class PurgeCertificateQueries
{
    /// The certificate of an organization among <paramref name="organizations"/> (the caller's
    /// scope: an organization outside it has none), deleted organizations included.
    public static async Task<PurgeCertificateFile?> FindAsync(
        this AppDbContext db, IQueryable<Organization> organizations, Guid organizationId, CancellationToken ct)
    {
        var found = await organizations
            .Where(o => o.Id == organizationId)
            .Join(db.StoragePurges.Where(p => p.Certificate != null), o => o.Id, p => p.OrganizationId, (o, p) => new { o.PublicId, p.Certificate })
            .SingleOrDefaultAsync(ct);
        return found is null ? null : new PurgeCertificateFile($"custos-purge-certificate-{found.PublicId}.json", found.Certificate!);
    }

    public static Task<bool> HasPurgeCertificateAsync(this AppDbContext db, Guid organizationId, CancellationToken ct) =>
        db.StoragePurges.AnyAsync(p => p.OrganizationId == organizationId && p.Certificate != null, ct);

    /// The most recently issued certificates, for the operator.
    public static Task<List<PurgeCertificateSummary>> RecentPurgeCertificatesAsync(this AppDbContext db, int take, CancellationToken ct) =>
        db.StoragePurges.AsNoTracking()
            .Where(p => p.Certificate != null)
            .OrderByDescending(p => p.IssuedAt)
            .Take(take)
            .Select(p => new PurgeCertificateSummary(
                p.OrganizationId,
                db.Organizations.Where(o => o.Id == p.OrganizationId).Select(o => o.PublicId).FirstOrDefault(),
                p.DestroyedAt, p.PacksDeleted, p.BytesDeleted, p.IssuedAt!.Value))
            .ToListAsync(ct);
}
