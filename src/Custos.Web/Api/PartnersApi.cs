using System.Buffers.Text;
using System.Text;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Web.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Api;

/// The key's partner and every partner below it (read only), and the plans a partner may sell.
public static class PartnersApi
{
    public static void MapPartners(this RouteGroupBuilder api)
    {
        api.MapGet("/partners", ListAsync).WithTags("Partners").WithName("listPartners").WithSummary("List the partner subtree")
            .WithDescription("The key's own partner first, then the partners below it, in tree order.")
            .Produces<PartnerList>().Problems(400);

        api.MapGet("/plans", PlansAsync).WithTags("Partners").WithName("listPlans").WithSummary("List the plans a partner offers")
            .WithDescription("For the key's partner, or for partnerId (a partner in the subtree).")
            .Produces<PlanList>().Problems(400, 404);
    }

    private static async Task<IResult> ListAsync(HttpContext http, PartnerContext partner, AppDbContext db, string? limit, string? cursor)
    {
        var take = OrganizationsApi.DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out take) || take is < 1 or > OrganizationsApi.MaxLimit))
        {
            return ApiProblems.BadRequest("invalid_query", $"limit must be a whole number from 1 to {OrganizationsApi.MaxLimit}.", "limit");
        }

        string? after = null;
        if (cursor is not null)
        {
            after = Base64Url.IsValid(cursor) ? Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)) : null;
            if (after is null)
            {
                return ApiProblems.BadRequest("invalid_query", "cursor is not one this API gave out; start without it.", "cursor");
            }
        }

        var path = partner.Scope.PartnerPath ?? "";
        var query = db.Partners.AsNoTracking().Where(p => p.Path.StartsWith(path));
        if (after is not null)
        {
            query = query.Where(p => string.Compare(p.Path, after) > 0);
        }

        var rows = await query.OrderBy(p => p.Path).Take(take + 1).ToListAsync(http.RequestAborted);
        var more = rows.Count > take;
        var page = rows.Take(take).ToList();
        return TypedResults.Ok(new PartnerList(
            page.Select(p => new PartnerItem(p.Id, p.PublicId, p.Name, p.ParentId, p.Country, p.IsDistributor, p.IsActive, p.CreatedAt)).ToList(),
            more ? Base64Url.EncodeToString(Encoding.UTF8.GetBytes(page[^1].Path)) : null));
    }

    private static async Task<IResult> PlansAsync(HttpContext http, PartnerContext partner, AppDbContext db, string? partnerId)
    {
        var id = partner.PartnerId;
        if (partnerId is not null && !Guid.TryParse(partnerId, out id))
        {
            return ApiProblems.BadRequest("invalid_query", "partnerId must be a partner's id.", "partnerId");
        }

        var path = partner.Scope.PartnerPath ?? "";
        if (!await db.Partners.AnyAsync(p => p.Id == id && p.Path.StartsWith(path), http.RequestAborted))
        {
            return ApiProblems.From(new Domain.Organizations.NotFound("The partner"));
        }

        var plans = await PlanLookup.OfferedToAsync(db, id, http.RequestAborted);
        return TypedResults.Ok(new PlanList(plans
            .Select(p => new PlanItem(p.Id, p.Name, p.Type, Money.Of(p.MonthlyPrice, p.Currency), p.StorageAllowanceGb)).ToList()));
    }
}
