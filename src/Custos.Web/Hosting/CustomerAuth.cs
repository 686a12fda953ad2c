using System.Security.Claims;
using Custos.ControlPlane.CustomerPortal;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Hosting;

/// The customer portal's own authentication (see Components/CustomerPortal/README.md): its own
/// cookie, limited to /portal, that the partner portal never reads, and a partner cookie that the
/// portal never reads either (its policy names only this scheme).
public static class CustomerAuth
{
    public const string Scheme = "Custos.Customer";

    /// The half-finished sign-in: password checked, authenticator code still to come (5 minutes).
    public const string CodeScheme = "Custos.Customer.Code";

    public const string Policy = "customer";

    public const string CookieName = "custos.portal";

    public const string CodeCookieName = "custos.portal.code";

    public const string BasePath = "/portal";

    public const string AccountClaim = "custos:account";
    public const string OrganizationClaim = "custos:organization";
    public const string SessionVersionClaim = "custos:session";
    public const string ImpersonatorIdClaim = "custos:impersonator";
    public const string ImpersonatorNameClaim = "custos:impersonator_name";
    public const string UntilClaim = "custos:until";

    /// Why the portal ended a session, for the sign-in page (see <see cref="RefusalMessage"/>).
    private const string RefusalItem = "custos:portal-refused";

    public static void AddCustomerAuth(this IServiceCollection services)
    {
        services.AddScoped<CustomerContext>();
        services.AddAuthentication()
            .AddCookie(Scheme, o =>
            {
                Portal(o, CookieName, TimeSpan.FromHours(8));
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = ValidateAsync;
                o.Events.OnRedirectToLogin = context =>
                {
                    var reason = context.HttpContext.Items[RefusalItem] as string;
                    context.Response.Redirect(reason is null ? context.RedirectUri : QueryHelpers.AddQueryString(context.RedirectUri, "refused", reason));
                    return Task.CompletedTask;
                };
            })
            .AddCookie(CodeScheme, o => Portal(o, CodeCookieName, TimeSpan.FromMinutes(5)));
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireClaim(AccountClaim));
    }

    private static void Portal(CookieAuthenticationOptions o, string name, TimeSpan lifetime)
    {
        o.LoginPath = BasePath + "/signin";
        o.LogoutPath = BasePath + "/signout";
        o.AccessDeniedPath = BasePath + "/signin";
        o.ReturnUrlParameter = "returnUrl";
        o.Cookie.Name = name;
        o.Cookie.Path = BasePath;
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Lax;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.ExpireTimeSpan = lifetime;
        o.Events.OnRedirectToAccessDenied = context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        };
    }

    /// Every request re-checks the session against the database: the organization's status
    /// (Suspended and Deleted end every session at once), the account's session version (a new
    /// password or two-factor change ends the other sessions) and a client session's 30 minutes.
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var reason = await WhyEndAsync(context.HttpContext, context.Principal);
        if (reason is not null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            context.HttpContext.Items[RefusalItem] = reason;
        }
    }

    private static async Task<string?> WhyEndAsync(HttpContext http, ClaimsPrincipal? principal)
    {
        if (principal is null
            || !Guid.TryParse(principal.FindFirstValue(AccountClaim), out var accountId)
            || !Guid.TryParse(principal.FindFirstValue(OrganizationClaim), out var organizationId)
            || !int.TryParse(principal.FindFirstValue(SessionVersionClaim), out var version))
        {
            return "ended";
        }

        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (principal.FindFirstValue(UntilClaim) is { } until
            && (!long.TryParse(until, out var seconds) || now >= DateTimeOffset.FromUnixTimeSeconds(seconds)))
        {
            return "client-expired";
        }

        var db = http.RequestServices.GetRequiredService<AppDbContext>();
        var row = await db.LoginAccounts.AsNoTracking().Where(a => a.Id == accountId && a.OrganizationId == organizationId)
            .Select(a => new { a.SessionVersion, Status = db.Organizations.Where(o => o.Id == a.OrganizationId).Select(o => o.Status).Single() })
            .SingleOrDefaultAsync(http.RequestAborted);
        if (row is null)
        {
            return "ended";
        }

        if (CustomerSignIns.WhyNot(row.Status) is not null)
        {
            return row.Status == OrganizationStatus.Suspended ? "suspended" : "deleted";
        }

        var impersonated = principal.HasClaim(c => c.Type == ImpersonatorIdClaim);
        return !impersonated && row.SessionVersion != version ? "ended" : null;
    }

    /// The sign-in page's text for a refusal code (a session ended, a sign-in or client sign-in refused).
    public static string? RefusalMessage(string? code) => code switch
    {
        "suspended" => new CustomerAccessSuspended().Message,
        "deleted" => new CustomerAccessEnded().Message,
        "ended" => "Your session has ended. Sign in again.",
        "client-expired" => "The client session has ended (it lasts 30 minutes). Start again from the partner portal.",
        "ticket-used" => new ImpersonationTicketUsed().Message,
        "ticket-expired" => new ImpersonationTicketExpired().Message,
        "ticket-refused" => new ImpersonationTicketRefused().Message,
        "client-closed" => "The organization's customer portal is closed (suspended or deleted organization).",
        _ => null,
    };

    public static ClaimsPrincipal Principal(Guid accountId, Guid organizationId, int sessionVersion, string email, ClientSession? client = null)
    {
        var identity = new ClaimsIdentity(Scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, accountId.ToString()));
        identity.AddClaim(new Claim(ClaimTypes.Name, email));
        identity.AddClaim(new Claim(AccountClaim, accountId.ToString()));
        identity.AddClaim(new Claim(OrganizationClaim, organizationId.ToString()));
        identity.AddClaim(new Claim(SessionVersionClaim, sessionVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (client is not null)
        {
            identity.AddClaim(new Claim(ImpersonatorIdClaim, client.PartnerUserId.ToString()));
            identity.AddClaim(new Claim(ImpersonatorNameClaim, client.PartnerUserName));
            identity.AddClaim(new Claim(UntilClaim, client.EndsAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return new ClaimsPrincipal(identity);
    }
}

/// The signed-in organization user of a customer portal request, with the organization, loaded once.
public sealed class CustomerContext(IHttpContextAccessor http, AppDbContext db)
{
    private CustomerView? _view;

    private ClaimsPrincipal User => http.HttpContext?.User ?? new ClaimsPrincipal();

    public bool IsSignedIn => User.HasClaim(c => c.Type == CustomerAuth.AccountClaim);

    public Guid AccountId => Guid.Parse(User.FindFirstValue(CustomerAuth.AccountClaim) ?? throw new InvalidOperationException("Not a customer session."));

    public Guid OrganizationId => Guid.Parse(User.FindFirstValue(CustomerAuth.OrganizationClaim) ?? throw new InvalidOperationException("Not a customer session."));

    public string? ImpersonatorId => User.FindFirstValue(CustomerAuth.ImpersonatorIdClaim);

    public string? ImpersonatorName => User.FindFirstValue(CustomerAuth.ImpersonatorNameClaim);

    public bool IsClientSession => ImpersonatorId is not null;

    public DateTimeOffset? ClientSessionEndsAt =>
        long.TryParse(User.FindFirstValue(CustomerAuth.UntilClaim), out var s) ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    /// The account and its organization, as they are now.
    public async Task<CustomerView> LoadAsync(CancellationToken ct)
    {
        if (_view is not null)
        {
            return _view;
        }

        var account = await db.LoginAccounts.AsNoTracking().SingleAsync(a => a.Id == AccountId && a.OrganizationId == OrganizationId, ct);
        var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == OrganizationId, ct);
        var actor = CustomerActors.Of(account, ImpersonatorId, ImpersonatorName);
        _view = new CustomerView(account, org, actor, CustomerSignIns.IsReadOnly(org.Status));
        return _view;
    }
}

/// <see cref="ReadOnly"/>: the organization is not Active (Unsubscribed): forms are hidden and posts refused.
public sealed record CustomerView(LoginAccount Account, Organization Organization, Actor Actor, bool ReadOnly);
