using Custos.ControlPlane.Exports;
using Custos.ControlPlane.Organizations;
using Custos.Web.Hosting;

namespace Custos.Web.Api;

/// CSV exports of the organization list: start one (202; built in the background, and the key's
/// creator is mailed when it is ready, as in the portal), poll it, download the file.
public static class ExportsApi
{
    public static void MapExports(this RouteGroupBuilder api)
    {
        var exports = api.MapGroup("/exports").WithTags("CSV exports");

        exports.MapPost("/", StartAsync).WithName("startExport").WithSummary("Start a CSV export")
            .WithDescription("The same tab, search and filters as the organization list. Every role may export.")
            .Accepts<ExportBody>("application/json")
            .Produces<ExportResource>(StatusCodes.Status202Accepted).Problems(400, 413, 415, 422).Idempotent();

        exports.MapGet("/", ListAsync).WithName("listExports").WithSummary("List recent exports")
            .WithDescription("The partner's 20 most recent exports, newest first.")
            .Produces<ExportList>();

        exports.MapGet("/{exportId:guid}", GetAsync).WithName("getExport").WithSummary("Get an export's status")
            .WithDescription("Poll until state is ready (or failed); then download the file.")
            .Produces<ExportResource>().Problems(404);

        exports.MapGet("/{exportId:guid}/file", DownloadAsync).WithName("downloadExport").WithSummary("Download an export's file")
            .WithDescription("409 while it is not ready (or failed); 410 once it expired.")
            .Produces<string>(StatusCodes.Status200OK, "text/csv").Problems(404, 409, 410);
    }

    private static ExportViewer Viewer(PartnerContext partner) =>
        new(partner.PartnerId, partner.Scope.PartnerPath ?? "", partner.UserId, OwnOnly: partner.Role == Data.PartnerRole.Administrator);

    private static async Task<IResult> StartAsync(
        ApiBody<ExportBody> body, HttpContext http, PartnerContext partner, RequestCsvExport handler, TimeProvider clock)
    {
        var b = body.Value;
        var requester = new ExportRequester(partner.PartnerId, partner.UserId, partner.DisplayName, partner.Email, partner.Actor);
        var request = new CsvExportRequest(
            partner.Scope, requester, b.Status ?? Domain.Organizations.OrganizationStatus.Active, b.Search, b.Plan,
            b.Credential == CredentialFilter.NeedAuthentication);
        var export = await handler.HandleAsync(request, http.RequestAborted);
        if (export.Error is not null)
        {
            return ApiProblems.From(export.Error);
        }

        await CsvExportJob.TriggerAsync(http.RequestServices, http.RequestAborted);
        return TypedResults.Accepted($"/api/v1/exports/{export.Value!.Id}", ExportResource.Of(export.Value, clock.GetUtcNow()));
    }

    private static async Task<IResult> ListAsync(HttpContext http, PartnerContext partner, ListCsvExports handler, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var exports = await handler.HandleAsync(Viewer(partner), http.RequestAborted);
        return TypedResults.Ok(new ExportList(exports.Select(e => ExportResource.Of(e, now)).ToList()));
    }

    private static async Task<IResult> GetAsync(Guid exportId, HttpContext http, PartnerContext partner, FindCsvExport find, TimeProvider clock)
    {
        var export = await find.HandleAsync(Viewer(partner), exportId, http.RequestAborted);
        return export is null
            ? ApiProblems.From(new Domain.Organizations.NotFound("The export"))
            : TypedResults.Ok(ExportResource.Of(export, clock.GetUtcNow()));
    }

    private static async Task<IResult> DownloadAsync(
        Guid exportId, HttpContext http, PartnerContext partner, FindCsvExport find, ExportFolder folder, TimeProvider clock)
    {
        var export = await find.HandleAsync(Viewer(partner), exportId, http.RequestAborted);
        if (export is null)
        {
            return ApiProblems.From(new Domain.Organizations.NotFound("The export"));
        }

        var now = clock.GetUtcNow();
        var path = folder.FileOf(exportId);
        if (export.IsExpired(now) || export.FileDeletedAt is not null || (export.IsDownloadable(now) && !File.Exists(path)))
        {
            return ApiProblems.Problem(StatusCodes.Status410Gone, "export_expired", "The export's file has expired; start a new export.");
        }

        if (!export.IsDownloadable(now))
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, "export_not_ready",
                export.Error is null ? $"The export is {export.State.ToString().ToLowerInvariant()}; poll it until it is ready." : $"The export failed: {export.Error}");
        }

        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.PhysicalFile(path, "text/csv; charset=utf-8", export.FileName);
    }
}
