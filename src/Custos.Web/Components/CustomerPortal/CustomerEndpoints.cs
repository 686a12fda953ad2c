using System.Security.Claims;
using Custos.ControlPlane.CustomerPortal;
using Custos.Domain.Organizations;
using Custos.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Custos.Web.Components.CustomerPortal;

public static class CustomerEndpoints
{
    public static void MapCustomerEndpoints(this IEndpointRouteBuilder app)
    {
        // Form posts (antiforgery-checked because they bind a form), so a link elsewhere cannot end a
        // session. They authorize with the portal's scheme, so the token is checked against the same
        // person the portal page issued it to (not the partner session the browser may also hold).
        app.MapPost("/portal/signout", async ([FromForm] string? returnUrl, HttpContext http) =>
        {
            await http.SignOutAsync(CustomerAuth.Scheme);
            await http.SignOutAsync(CustomerAuth.CodeScheme);
            return TypedResults.LocalRedirect("/portal/signin");
        }).RequireAuthorization(CustomerAuth.Policy);

        // "Return to partner portal": ends the client session only; the partner session stays.
        app.MapPost("/portal/return", async ([FromForm] string? returnUrl, HttpContext http) =>
        {
            var session = await http.AuthenticateAsync(CustomerAuth.Scheme);
            var organization = session.Principal?.FindFirstValue(CustomerAuth.OrganizationClaim);
            await http.SignOutAsync(CustomerAuth.Scheme);
            return TypedResults.LocalRedirect(Guid.TryParse(organization, out var id) ? $"/organizations/{id}" : "/organizations");
        }).RequireAuthorization(CustomerAuth.Policy);

        // The second half of "log in as client": the ticket from the partner portal, redeemed by the
        // same partner user (their partner session is read here, and only here, in the portal).
        app.MapGet("/portal/client", async (string? ticket, HttpContext http, LogInAsClient logIn) =>
        {
            var partner = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
            var userId = partner.Principal is { } p && p.HasClaim(c => c.Type == CustosClaims.PartnerId)
                && Guid.TryParse(p.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : Guid.Empty;
            var redeemed = await logIn.RedeemAsync(ticket, userId, http.RequestAborted);
            if (redeemed.Error is { } error)
            {
                var reason = error switch
                {
                    ImpersonationTicketUsed => "ticket-used",
                    ImpersonationTicketExpired => "ticket-expired",
                    ClientPortalClosed => "client-closed",
                    _ => "ticket-refused",
                };
                return Results.LocalRedirect($"/portal/signin?refused={reason}");
            }

            var session = redeemed.Value!;
            var email = partner.Principal!.FindFirstValue(ClaimTypes.Email) ?? "";
            await http.SignOutAsync(CustomerAuth.CodeScheme);
            await http.SignInAsync(CustomerAuth.Scheme,
                CustomerAuth.Principal(session.AccountId, session.OrganizationId, session.SessionVersion, email, session),
                new AuthenticationProperties { IsPersistent = false, AllowRefresh = false, ExpiresUtc = session.EndsAt });
            return Results.LocalRedirect("/portal");
        });
    }
}
