using Custos.ControlPlane.Organizations;
using Custos.Web.Hosting;

namespace Custos.Web.Api;

/// Lifecycle changes as explicit action resources (POST, no body). If-Match is optional here: when
/// sent, a stale tag is 412. Each answers with the organization as it now is.
public static class OrganizationActionsApi
{
    public static void MapOrganizationActions(this RouteGroupBuilder api)
    {
        var actions = api.MapGroup("/organizations/{id:guid}").WithTags("Organization lifecycle");

        actions.MapPost("/suspend", (Guid id, HttpContext http, PartnerContext partner, SuspendOrganization handler) =>
                OrganizationsApi.Update(id, http, partner, handler.HandleAsync, requireIfMatch: false))
            .WithName("suspendOrganization").WithSummary("Suspend an active organization")
            .WithDescription("Backups pause (unless the partner keeps suspended organizations backing up); customers cannot sign in.")
            .Produces<OrganizationResource>().Problems(404, 409, 412).Idempotent().Writes();

        actions.MapPost("/unsubscribe", (Guid id, HttpContext http, PartnerContext partner, UnsubscribeOrganization handler) =>
                OrganizationsApi.Update(id, http, partner, handler.HandleAsync, requireIfMatch: false))
            .WithName("unsubscribeOrganization").WithSummary("Unsubscribe an organization")
            .WithDescription("Backups stop; the data is purged after the grace period (purgeDueAt) unless it is reactivated first.")
            .Produces<OrganizationResource>().Problems(404, 409, 412).Idempotent().Writes();

        actions.MapPost("/reactivate", (Guid id, HttpContext http, PartnerContext partner, ReactivateOrganization handler) =>
                OrganizationsApi.Update(id, http, partner, handler.HandleAsync, requireIfMatch: false))
            .WithName("reactivateOrganization").WithSummary("Reactivate a suspended or unsubscribed organization")
            .WithDescription("An unsubscribed organization can be reactivated only before its purge date.")
            .Produces<OrganizationResource>().Problems(404, 409, 412).Idempotent().Writes();

        actions.MapPost("/delete", DeleteAsync)
            .WithName("deleteOrganization").WithSummary("Delete an organization")
            .WithDescription("Irreversible: the data is purged at once, unless the Data Protection Officer must approve first (outcome awaitingDpoApproval).")
            .Produces<DeleteResult>().Problems(404, 409, 412).Idempotent().Writes();
    }

    private static async Task<IResult> DeleteAsync(Guid id, HttpContext http, PartnerContext partner, DeleteOrganization handler)
    {
        var ifMatch = ETags.Read(http);
        var command = new OrganizationCommand(partner.Scope, partner.Actor, id, ifMatch.Never ? -1 : ifMatch.Version);
        var result = await handler.HandleAsync(command, http.RequestAborted);
        return result.Error is { } error
            ? ApiProblems.From(error, ifMatch.Given)
            : TypedResults.Ok(new DeleteResult(id, result.Value));
    }
}
