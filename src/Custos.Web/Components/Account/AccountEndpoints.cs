using System.Security.Claims;
using Custos.Data;
using Custos.Web.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Custos.Web.Components.Account;

public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // A form post (with its antiforgery token, validated because the endpoint binds a form) so
        // a link elsewhere cannot sign a person out.
        app.MapPost("/signout", async ([FromForm] string? returnUrl, SignInManager<AppUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect(SafeReturnUrl(returnUrl, "/signin"));
        });

        // Where sign-in leads when no page was asked for: an operator without a partner to the
        // console, everyone else to the Organizations page.
        app.MapGet(StartPath, (ClaimsPrincipal user) =>
            TypedResults.LocalRedirect(user.HasClaim(CustosClaims.Operator, "true") && user.FindFirst(CustosClaims.PartnerId) is null
                ? "/operator/entitlements"
                : "/organizations"))
            .RequireAuthorization();
    }

    /// The landing address after sign-in.
    public const string StartPath = "/start";

    /// Only local paths: never redirect to another site after sign-in or sign-out.
    public static string SafeReturnUrl(string? returnUrl, string fallback) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : fallback;
}
