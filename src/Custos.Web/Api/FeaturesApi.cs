using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Organizations;
using Custos.Web.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Api;

/// The Features tab: each feature's state and whether it can be turned on (and why not), the PST
/// download size limit, and changing either (If-Match required).
public static class FeaturesApi
{
    public static void MapFeatures(this RouteGroupBuilder api)
    {
        var features = api.MapGroup("/organizations/{id:guid}").WithTags("Features");

        features.MapGet("/features", GetAsync).WithName("getFeatures").WithSummary("Get the organization's features")
            .WithDescription("Each feature's state, whether it is sales-gated, and whether it can be turned on now (and why not); the PST download size limit.")
            .Produces<FeaturesResource>().Problems(404);

        features.MapPut("/features/{feature}", SetAsync).WithName("setFeature").WithSummary("Turn a feature on or off")
            .WithDescription("feature is one of: adGroupBackup, worm, insights, dataProtectionOfficer, compliance, inPlaceArchiveBackup, privateChatBackup. Sales-gated features need the operator's grant (403 otherwise). Needs If-Match.")
            .Accepts<FeatureBody>("application/json")
            .Produces<FeaturesResource>().Problems(400, 403, 404, 409, 412, 413, 415, 422, 428).Writes();

        features.MapPut("/download-limit", SetDownloadLimitAsync).WithName("setDownloadLimit").WithSummary("Set the PST download size limit")
            .WithDescription("Whole GB from 1 to 10. Needs If-Match.")
            .Accepts<DownloadLimitBody>("application/json")
            .Produces<FeaturesResource>().Problems(400, 404, 409, 412, 413, 415, 422, 428).Writes();
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, PartnerContext partner, AppDbContext db)
    {
        var org = await db.InScope(partner.Scope).AsNoTracking()
            .SingleOrDefaultAsync(o => o.Id == id && o.Status != OrganizationStatus.Deleted, http.RequestAborted);
        if (org is null)
        {
            return ApiProblems.From(new NotFound("The organization"));
        }

        var entitled = await db.EntitledFeaturesAsync(id, http.RequestAborted);
        ETags.Set(http, org.Version);
        return TypedResults.Ok(new FeaturesResource(
            org.DownloadLimitGb,
            OrganizationFeatures.All.Select(f =>
            {
                var on = org.IsEnabled(f);
                var why = on ? null : org.WhyCannotTurnOn(f, entitled);
                return new FeatureState(f, OrganizationFeatures.Label(f), on, OrganizationFeatures.IsSalesGated(f), !on && why is null, why?.Message);
            }).ToList(),
            ETags.Of(org.Version)));
    }

    private static async Task<IResult> SetAsync(
        Guid id, string feature, ApiBody<FeatureBody> body, HttpContext http, PartnerContext partner, SetOrganizationFeature handler, AppDbContext db)
    {
        var parsed = Enum.GetValues<OrganizationFeature>()
            .Where(f => f.ToString().Equals(feature, StringComparison.OrdinalIgnoreCase)).Select(f => (OrganizationFeature?)f).FirstOrDefault();
        if (parsed is not { } f)
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "not_found", $"There is no feature '{feature}'.");
        }

        if (body.Value.Enabled is not { } enabled)
        {
            return ApiProblems.Validation("enabled", "Say whether the feature is on (true) or off (false).");
        }

        var changed = await OrganizationsApi.Update(id, http, partner, (command, ct) => handler.HandleAsync(command, f, enabled, ct));
        return changed is IStatusCodeHttpResult { StatusCode: 200 } ? await GetAsync(id, http, partner, db) : changed;
    }

    private static async Task<IResult> SetDownloadLimitAsync(
        Guid id, ApiBody<DownloadLimitBody> body, HttpContext http, PartnerContext partner, SetDownloadLimit handler, AppDbContext db)
    {
        if (body.Value.Gb is not { } gb)
        {
            return ApiProblems.Validation("gb", "The limit in GB is required.");
        }

        var changed = await OrganizationsApi.Update(id, http, partner, (command, ct) => handler.HandleAsync(command, gb, ct));
        return changed is IStatusCodeHttpResult { StatusCode: 200 } ? await GetAsync(id, http, partner, db) : changed;
    }
}
