using Custos.ControlPlane.Audit;
using Custos.Web.Hosting;

namespace Custos.Web.Components.Portal.Audit;

/// The audit journal as a CSV download, streamed as it is read: the partner's subtree (the same
/// scope as the page) with the page's filters; ?organization= narrows it to one organization.
public static class AuditEndpoints
{
    public static void MapAuditEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/audit/export.csv", async (HttpContext http, PartnerContext partner, ListAuditEntries audit, TimeProvider clock) =>
        {
            Guid? organizationId = Guid.TryParse(http.Request.Query["organization"], out var id) ? id : null;
            var filter = AuditFilter.Parse(http.Request.Query, organizationId);
            if (filter.Errors.Count > 0)
            {
                return Results.ValidationProblem(filter.Errors.ToDictionary(e => e.Key, e => new[] { e.Value }));
            }

            var ct = http.RequestAborted;
            return Results.Stream(
                async stream => await AuditCsv.WriteAsync(stream, audit.AllAsync(partner.Scope, filter.Query, ct), ct),
                "text/csv; charset=utf-8",
                AuditCsv.FileName(clock.GetUtcNow()));
        })
        .RequireAuthorization(Policies.Partner);
}
