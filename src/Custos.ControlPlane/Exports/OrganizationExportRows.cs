using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Exports;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Exports;

/// A row of the export: what the Organizations page shows of an organization, plus its partner and creation.
public sealed record ExportRow(OrganizationRow Row, string PartnerName, DateTimeOffset CreatedAt);

/// The rows of an export, in the page's order (normalized name, then ID), under the same scope as
/// the page (<see cref="OrganizationQueries.InScope"/>, with an Administrator's groups) and with
/// the page's search and filters. The query streams: nothing holds the whole result.
public static class OrganizationExportRows
{
    /// The page's own checks of a search (<see cref="ListOrganizations"/>): too long, or not plain text.
    public static Error? CheckSearch(string? search)
    {
        var text = search?.Trim() ?? "";
        if (text.Length > ListOrganizations.MaxSearchLength)
        {
            return new SearchTooLong(ListOrganizations.MaxSearchLength);
        }

        return TextKey.HasControlCharacters(text) || text.Contains('\uFFFD', StringComparison.Ordinal) ? new SearchNotPlainText() : null;
    }

    /// The scope an export runs in: the requesting partner's subtree, narrowed to the requester's groups
    /// when it was a group-limited Administrator.
    public static Scope ScopeOf(string partnerPath, OrganizationExportQuery query) => new(partnerPath, query.GroupMemberId);

    /// The organizations of the tab with the search and filters (same matching as the page: the
    /// normalized name or the Organization ID contains the term, taken literally).
    public static IQueryable<Domain.Organizations.Organization> Matching(AppDbContext db, Scope scope, OrganizationExportQuery query) =>
        ListOrganizations.Filter(
            db.InScope(scope).AsNoTracking().Where(o => o.Status == query.Status),
            TextKey.Name(query.Search.Trim()),
            query.PlanType,
            query.NeedAuthenticationOnly ? CredentialFilter.NeedAuthentication : CredentialFilter.All);

    public static IQueryable<ExportRow> Rows(AppDbContext db, Scope scope, OrganizationExportQuery query) =>
        from o in Matching(db, scope, query)
        join p in db.Plans on o.PlanId equals p.Id
        join partner in db.Partners on o.PartnerId equals partner.Id
        orderby o.NameNormalized, o.Id
        select new ExportRow(
            new OrganizationRow(
                o.Id, o.PublicId, o.Name, o.PlanType, p.Name, p.MonthlyPrice, p.Currency, o.OwnerEmail, o.Seats, o.AutoLicense,
                o.SeatsInUse, o.StorageUsedBytes, o.StorageLogicalBytes, o.Status, o.PurgeDueAt, o.DeletedAt, o.StatusChangedAt, o.CredentialError),
            partner.Name,
            o.CreatedAt);
}
