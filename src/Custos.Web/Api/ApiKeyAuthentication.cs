using System.Security.Claims;
using System.Text.Encodings.Web;
using Custos.ControlPlane.ApiKeys;
using Custos.Data;
using Custos.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Custos.Web.Api;

/// `Authorization: Bearer cpk_…` for /api/v1. A valid, unrevoked key yields the same partner claims
/// the portal's sign-in cookie carries (partner, subtree path, role), with the key itself as the
/// actor ("API key {name}"), so every handler scopes and audits an API call as it does a page.
/// Keys are read through <see cref="ApiKeyCache"/> (a few seconds), so a busy key costs no query per request.
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AppDbContext db, TimeProvider clock, ApiKeyCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// Claim holding the key's ID; its presence marks a request made with an API key.
    public const string KeyClaim = "custos:api_key";

    /// Writing the last-used time at most this often keeps busy keys from writing on every request.
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("Only Bearer API keys are accepted.");
        }

        if (ApiKeySecrets.Parse(header["Bearer ".Length..].Trim()) is not { } presented)
        {
            return AuthenticateResult.Fail("Not an API key.");
        }

        var lookupId = presented.LookupId;
        var key = await cache.GetAsync(lookupId, () => db.PartnerApiKeys.AsNoTracking()
            .Where(k => k.LookupId == lookupId)
            .Join(db.Partners, k => k.PartnerId, p => p.Id, (k, p) => new ApiKeyFacts(
                k.Id, k.Name, k.Role, k.SecretHash, k.RevokedAt, k.LastUsedAt, k.CreatedByEmail, p.Id, p.Path, p.PublicId, p.Name))
            .SingleOrDefaultAsync(Context.RequestAborted));
        if (key is null || !ApiKeySecrets.Matches(presented.Secret, key.SecretHash))
        {
            return AuthenticateResult.Fail("Unknown API key.");
        }

        if (key.RevokedAt is not null)
        {
            return AuthenticateResult.Fail("The API key was revoked.");
        }

        var now = clock.GetUtcNow();
        if (key.LastUsedAt is not { } last || now - last >= LastUsedResolution)
        {
            // Only if no other request (or node) wrote it meanwhile: one write per key per minute at most.
            await db.PartnerApiKeys
                .Where(k => k.Id == key.Id && k.LastUsedAt == key.LastUsedAt)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
            cache.Used(lookupId, now);
        }

        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, key.Id.ToString()),
            new Claim(KeyClaim, key.Id.ToString()),
            new Claim(CustosClaims.DisplayName, $"API key {key.Name}"),
            new Claim(ClaimTypes.Email, key.CreatedByEmail),
            new Claim(CustosClaims.PartnerId, key.PartnerId.ToString()),
            new Claim(CustosClaims.PartnerPath, key.PartnerPath),
            new Claim(CustosClaims.PartnerPublicId, key.PartnerPublicId),
            new Claim(CustosClaims.PartnerName, key.PartnerName),
            new Claim(CustosClaims.Role, key.Role.ToString()),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure;
        Response.Headers.WWWAuthenticate = failure is null
            ? "Bearer realm=\"custos\""
            : "Bearer realm=\"custos\", error=\"invalid_token\"";
        await ApiProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "unauthorized",
            failure is null
                ? "Send a partner API key as 'Authorization: Bearer cpk_…'."
                : "The API key is not valid: it is unknown, malformed or revoked.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiProblems.WriteAsync(Context, StatusCodes.Status403Forbidden, "forbidden",
            "This API key's role may only read: Read-only keys cannot change anything.");
}
