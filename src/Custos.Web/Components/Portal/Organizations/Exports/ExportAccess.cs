using System.Globalization;
using Custos.ControlPlane.Exports;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Exports;
using Custos.Domain.Organizations;
using Custos.Domain.Plans;
using Custos.Web.Hosting;

namespace Custos.Web.Components.Portal.Organizations.Exports;

/// The signed-in partner user as a viewer of exports, and how exports read on the pages.
public static class ExportAccess
{
    public static ExportViewer ViewerOf(PartnerContext partner) =>
        new(partner.PartnerId, partner.Scope.PartnerPath ?? "", partner.UserId, OwnOnly: partner.Role == PartnerRole.Administrator);

    public static ExportRequester RequesterOf(PartnerContext partner) =>
        new(partner.PartnerId, partner.UserId, partner.DisplayName, partner.Email, partner.Actor);

    public static string DownloadPath(Guid id) => $"/organizations/exports/{id}/download";

    public static string FilePath(Guid id) => $"/organizations/exports/{id}/file";

    /// "Active, search “acme”, Backup plans, needing authentication".
    public static string Describe(OrganizationExportQuery query)
    {
        var parts = new List<string> { query.Status.ToString() };
        if (query.Search.Length > 0)
        {
            parts.Add($"search “{query.Search}”");
        }

        if (query.PlanType is { } plan)
        {
            parts.Add(OrganizationListFormat.PlanTypeName(plan) + " plans");
        }

        if (query.NeedAuthenticationOnly)
        {
            parts.Add("needing authentication");
        }

        return string.Join(", ", parts);
    }

    public static string StateText(CsvExport export, DateTimeOffset now) => export.State switch
    {
        CsvExportState.Queued => "Queued",
        CsvExportState.Running => $"Running — {export.RowsSoFar.ToString("N0", CultureInfo.InvariantCulture)} rows so far",
        CsvExportState.Ready when export.IsExpired(now) || export.FileDeletedAt is not null => "Expired",
        CsvExportState.Ready => "Ready",
        _ => "Failed",
    };

    public static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// The Organizations page's address values (status, q, plan, credential), read as the page reads them.
    public static (OrganizationStatus Status, PlanType? Plan, bool NeedAuthentication) Parse(string? status, string? plan, string? credential)
    {
        var tabs = new[] { OrganizationStatus.Active, OrganizationStatus.Suspended, OrganizationStatus.Unsubscribed, OrganizationStatus.Deleted };
        var s = tabs.FirstOrDefault(t => t.ToString().Equals(status?.Trim(), StringComparison.OrdinalIgnoreCase), OrganizationStatus.Active);
        var p = Enum.GetValues<PlanType>().Where(t => t.ToString().Equals(plan?.Trim(), StringComparison.OrdinalIgnoreCase)).Select(t => (PlanType?)t).FirstOrDefault();
        var c = "need-authentication".Equals(credential?.Trim(), StringComparison.OrdinalIgnoreCase);
        return (s, p, c);
    }
}

public static class ExportEndpoints
{
    /// The file itself, behind the same access rule as its link; anything not downloadable goes
    /// back to the link's page, which says why (not ready, failed, expired).
    public static void MapExportEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/organizations/exports/{id:guid}/file", async (
                Guid id, HttpContext http, PartnerContext partner, FindCsvExport find, ExportFolder folder, TimeProvider clock) =>
            {
                var export = await find.HandleAsync(ExportAccess.ViewerOf(partner), id, http.RequestAborted);
                if (export is null)
                {
                    return Results.NotFound();
                }

                var path = folder.FileOf(id);
                if (!export.IsDownloadable(clock.GetUtcNow()))
                {
                    return Results.Redirect(ExportAccess.DownloadPath(id));
                }

                if (!File.Exists(path))
                {
                    // Removed behind Custos' back: gone, rather than a redirect back and forth.
                    return Results.StatusCode(StatusCodes.Status410Gone);
                }

                http.Response.Headers.CacheControl = "private, no-store";
                return Results.File(path, "text/csv; charset=utf-8", export.FileName);
            })
            .RequireAuthorization(Policies.Partner);
}
