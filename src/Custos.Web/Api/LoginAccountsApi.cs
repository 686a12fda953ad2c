using Custos.ControlPlane.Organizations;
using Custos.Web.Hosting;

namespace Custos.Web.Api;

/// An organization's login accounts and their customer API tokens. A new token is shown only in the
/// answer that makes it; it is never stored in clear, so this action takes no Idempotency-Key (a
/// retry makes another token, and the previous one stops working).
public static class LoginAccountsApi
{
    public static void MapLoginAccounts(this RouteGroupBuilder api)
    {
        var accounts = api.MapGroup("/organizations/{id:guid}/login-accounts").WithTags("Login accounts");

        accounts.MapGet("/", ListAsync).WithName("listLoginAccounts").WithSummary("List login accounts")
            .WithDescription("The owner first; API tokens masked.")
            .Produces<LoginAccountList>().Problems(404);

        accounts.MapPost("/{accountId:guid}/api-token", RegenerateAsync).WithName("regenerateApiToken")
            .WithSummary("Regenerate a login account's API token")
            .WithDescription("The previous token stops working at once. The new token is in this answer only.")
            .Produces<IssuedToken>().Problems(404, 409).Writes();
    }

    private static async Task<IResult> ListAsync(Guid id, HttpContext http, PartnerContext partner, ListLoginAccounts handler)
    {
        var listed = await handler.HandleAsync(partner.Scope, id, http.RequestAborted);
        if (listed.Error is not null)
        {
            return ApiProblems.From(listed.Error);
        }

        return TypedResults.Ok(new LoginAccountList(listed.Value!
            .Select(a => new LoginAccountItem(a.Id, a.Email, a.IsOwner, a.MaskedApiToken, a.ApiTokenCreatedAt, a.LastSignInAt, a.CreatedAt))
            .ToList()));
    }

    private static async Task<IResult> RegenerateAsync(Guid id, Guid accountId, HttpContext http, PartnerContext partner, RegenerateApiToken handler)
    {
        var issued = await handler.HandleAsync(new OrganizationCommand(partner.Scope, partner.Actor, id), accountId, http.RequestAborted);
        if (issued.Error is not null)
        {
            return ApiProblems.From(issued.Error);
        }

        http.Response.Headers.CacheControl = "no-store";
        var t = issued.Value!;
        return TypedResults.Ok(new IssuedToken(t.LoginAccountId, t.Email, t.Token, t.Masked));
    }
}
