using System.Text.Json;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Exports;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Microsoft.EntityFrameworkCore;

namespace Custos.ControlPlane.Exports;

/// The partner user asking (and the one the ready mail goes to).
public sealed record ExportRequester(Guid PartnerId, Guid UserId, string Name, string Email, Actor Actor);

/// The tab, search and filters of the Organizations page, in the caller's scope.
public sealed record CsvExportRequest(
    Scope Scope, ExportRequester Requester, OrganizationStatus Status, string? Search, PlanType? PlanType, bool NeedAuthenticationOnly);

/// What the confirmation shows before anything is saved.
public sealed record CsvExportPreview(OrganizationExportQuery Query, int Rows);

/// Exporting changes no organization, so every partner role may export (Read-only included);
/// the request itself is audited. The export is saved as Queued before the caller says so.
public sealed class RequestCsvExport(AppDbContext db, TimeProvider clock)
{
    public async Task<Result<CsvExportPreview>> PreviewAsync(CsvExportRequest request, CancellationToken ct)
    {
        if (OrganizationExportRows.CheckSearch(request.Search) is { } error)
        {
            return error;
        }

        var query = new OrganizationExportQuery(
            request.Status, request.Search?.Trim() ?? "", request.PlanType, request.NeedAuthenticationOnly, request.Scope.GroupMemberId);
        var rows = await OrganizationExportRows.Matching(db, request.Scope, query).CountAsync(ct);
        return new CsvExportPreview(query, rows);
    }

    public async Task<Result<CsvExport>> HandleAsync(CsvExportRequest request, CancellationToken ct)
    {
        var preview = await PreviewAsync(request, ct);
        if (preview.Error is not null)
        {
            return preview.Error;
        }

        var now = clock.GetUtcNow();
        var requester = request.Requester;
        var export = CsvExport.Request(requester.PartnerId, requester.UserId, requester.Name, requester.Email, preview.Value!.Query, preview.Value.Rows, now);
        db.CsvExports.Add(export);
        db.AuditEntries.Add(AuditEntry.For(AuditEventType.CsvExportRequested, requester.Actor, now, requester.PartnerId, null, null, Describe(export)));
        await db.SaveChangesAsync(ct);
        return export;
    }

    public static string Describe(CsvExport e) => JsonSerializer.Serialize(new
    {
        exportId = e.Id,
        status = e.Status.ToString(),
        search = e.Search,
        planType = e.PlanType?.ToString(),
        needAuthentication = e.NeedAuthenticationOnly,
        state = e.State.ToString(),
        rows = e.RowsSoFar,
        fileName = e.FileName,
        error = e.Error,
    });
}
