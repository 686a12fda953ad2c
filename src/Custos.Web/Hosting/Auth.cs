using System.Security.Claims;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Custos.Web.Hosting;

/// Claims Custos adds to the sign-in cookie, so a request knows its partner, subtree and role
/// without a database round trip.
public static class CustosClaims
{
    public const string PartnerId = "custos:partner";
    public const string PartnerPath = "custos:partner_path";
    public const string PartnerPublicId = "custos:partner_public_id";
    public const string PartnerName = "custos:partner_name";
    public const string Role = "custos:role";
    public const string Operator = "custos:operator";
    public const string DisplayName = "custos:name";
    public const string Distributor = "custos:distributor";
}

public static class Policies
{
    /// Any signed-in partner user.
    public const string Partner = "partner";

    /// Partner users who may change things (every role but Read-only).
    public const string PartnerWriter = "partner-writer";

    /// Owners and Full administrators: users, groups and settings.
    public const string PartnerAdmin = "partner-admin";

    public const string Operator = "operator";
}

public sealed class CustosClaimsFactory(
    UserManager<AppUser> users, IOptions<IdentityOptions> options, AppDbContext db)
    : UserClaimsPrincipalFactory<AppUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(CustosClaims.DisplayName, user.DisplayName));
        if (user.IsOperator)
        {
            identity.AddClaim(new Claim(CustosClaims.Operator, "true"));
        }

        if (user.PartnerId is { } partnerId && user.Role is { } role)
        {
            var partner = await db.Partners.AsNoTracking().SingleAsync(p => p.Id == partnerId);
            identity.AddClaim(new Claim(CustosClaims.PartnerId, partner.Id.ToString()));
            identity.AddClaim(new Claim(CustosClaims.PartnerPath, partner.Path));
            identity.AddClaim(new Claim(CustosClaims.PartnerPublicId, partner.PublicId));
            identity.AddClaim(new Claim(CustosClaims.PartnerName, partner.Name));
            identity.AddClaim(new Claim(CustosClaims.Role, role.ToString()));
            if (partner.IsDistributor)
            {
                identity.AddClaim(new Claim(CustosClaims.Distributor, "true"));
            }
        }

        return identity;
    }
}

/// The signed-in partner user of this request: who they are, which partner they act for, and the
/// <see cref="Scope"/> every organization query must use.
public sealed class PartnerContext(IHttpContextAccessor http)
{
    private ClaimsPrincipal User => http.HttpContext?.User ?? new ClaimsPrincipal();

    public bool IsSignedIn => User.Identity?.IsAuthenticated == true;

    public Guid UserId => Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier) ?? Guid.Empty.ToString());

    public string DisplayName => User.FindFirstValue(CustosClaims.DisplayName) ?? User.Identity?.Name ?? "";

    public string Email => User.FindFirstValue(ClaimTypes.Email) ?? User.Identity?.Name ?? "";

    public bool IsPartnerUser => User.HasClaim(c => c.Type == CustosClaims.PartnerId);

    public Guid PartnerId => Guid.Parse(User.FindFirstValue(CustosClaims.PartnerId) ?? Guid.Empty.ToString());

    public string PartnerPublicId => User.FindFirstValue(CustosClaims.PartnerPublicId) ?? "";

    public string PartnerName => User.FindFirstValue(CustosClaims.PartnerName) ?? "";

    public PartnerRole? Role => Enum.TryParse<PartnerRole>(User.FindFirstValue(CustosClaims.Role), out var r) ? r : null;

    public bool CanChange => IsPartnerUser && Role is not PartnerRole.ReadOnly;

    public bool CanManageUsers => Role is PartnerRole.Owner or PartnerRole.FullAdministrator;

    /// Whether the user's partner resells to partners (it may revoke their right to transfer).
    public bool IsDistributor => User.HasClaim(CustosClaims.Distributor, "true");

    /// The partner's whole subtree; an Administrator only sees the organizations of its groups.
    public Scope Scope => IsPartnerUser
        ? new Scope(User.FindFirstValue(CustosClaims.PartnerPath), Role == PartnerRole.Administrator ? UserId : null)
        : throw new InvalidOperationException("Not a partner user.");

    public Actor Actor => new(UserId.ToString(), $"{DisplayName} <{Email}>");
}

public static class AuthRegistration
{
    public static void AddCustosAuth(this IServiceCollection services)
    {
        services.AddCascadingAuthenticationState();
        services.AddHttpContextAccessor();
        services.AddScoped<PartnerContext>();
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/signin";
            o.LogoutPath = "/signout";
            o.AccessDeniedPath = "/denied";
            o.Cookie.Name = "custos.partner";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;

            // A signed-in user whose role does not allow a page gets a 403 in place, not a redirect
            // that answers 200: the status code pages then show the Not allowed page (see NotFound.razor).
            o.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });

        // Role or partner changes reach signed-in users within a minute.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        services.AddIdentityCore<AppUser>(o =>
            {
                o.Password.RequiredLength = 12;
                o.Password.RequireNonAlphanumeric = false;
                o.User.RequireUniqueEmail = true;
                o.SignIn.RequireConfirmedAccount = false;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Tokens.AuthenticatorIssuer = "Custos";
            })
            .AddEntityFrameworkStores<AppDbContext>()
            .AddUserStore<CustosUserStore>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<CustosClaimsFactory>()
            .AddDefaultTokenProviders()
            .AddPasswordLinkTokens();

        // Password reset links work for an hour, invitation links 7 days (PasswordLinkTokens); both once:
        // setting the password changes the security stamp.
        services.Configure<DataProtectionTokenProviderOptions>(o => o.TokenLifespan = TimeSpan.FromHours(1));

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Partner, p => p.RequireAuthenticatedUser().RequireClaim(CustosClaims.PartnerId))
            .AddPolicy(Policies.PartnerWriter, p => p.RequireAuthenticatedUser().RequireClaim(CustosClaims.PartnerId)
                .RequireClaim(CustosClaims.Role, nameof(PartnerRole.Owner), nameof(PartnerRole.FullAdministrator), nameof(PartnerRole.Administrator)))
            .AddPolicy(Policies.PartnerAdmin, p => p.RequireAuthenticatedUser()
                .RequireClaim(CustosClaims.Role, nameof(PartnerRole.Owner), nameof(PartnerRole.FullAdministrator)))
            .AddPolicy(Policies.Operator, p => p.RequireAuthenticatedUser().RequireClaim(CustosClaims.Operator, "true"));
    }
}
