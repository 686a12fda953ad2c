using Custos.Data;
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
    }

    /// Only local paths: never redirect to another site after sign-in or sign-out.
    public static string SafeReturnUrl(string? returnUrl, string fallback) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : fallback;
}
