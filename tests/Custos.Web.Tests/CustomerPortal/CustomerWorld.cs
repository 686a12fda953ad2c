using System.Net;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Web.Tests.CustomerPortal;

/// A partner of its own with an Owner in a group, an Owner in no group and a Read-only user, and
/// Backup organizations whose owners have a customer portal password (<see cref="Password"/>).
public sealed record CustomerWorld(Partner Partner, string GroupedOwner, string GroupedOwnerName, string Ungrouped, string ReadOnly, string Tag)
{
    public const string Password = "Portal-Password-42";

    public static Task<CustomerWorld> CreateAsync(CustosApp app) =>
        app.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var tag = Guid.NewGuid().ToString("N")[..10];
            var partner = Partner.Create($"Portal Partner {tag}", "DE", null, isDistributor: false, now).Value!;
            db.Partners.Add(partner);
            var group = PartnerGroup.Create(partner.Id, "Support", now).Value!;
            db.Groups.Add(group);
            await db.SaveChangesAsync();

            var users = sp.GetRequiredService<UserManager<AppUser>>();
            async Task<AppUser> UserAsync(string name, PartnerRole role)
            {
                var email = $"{name.ToLowerInvariant()}.{tag}@partner.test";
                var user = new AppUser { UserName = email, Email = email, DisplayName = $"{name} {tag}", PartnerId = partner.Id, Role = role };
                (await users.CreateAsync(user, Password)).Succeeded.ShouldBeTrue();
                return user;
            }

            var grouped = await UserAsync("Grouped", PartnerRole.Owner);
            var ungrouped = await UserAsync("Ungrouped", PartnerRole.Owner);
            var readOnly = await UserAsync("Reader", PartnerRole.ReadOnly);
            db.GroupMembers.Add(new PartnerGroupMember { GroupId = group.Id, UserId = grouped.Id });
            db.GroupMembers.Add(new PartnerGroupMember { GroupId = group.Id, UserId = readOnly.Id });
            await db.SaveChangesAsync();
            return new CustomerWorld(partner, grouped.Email!, grouped.DisplayName, ungrouped.Email!, readOnly.Email!, tag);
        });

    /// A new Active Backup organization of this partner; its owner's account has <see cref="Password"/>.
    public Task<(Guid Id, string OwnerEmail)> OrganizationAsync(CustosApp app, string? name = null, bool withPassword = true) =>
        app.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var unique = Guid.NewGuid().ToString("N")[..8];
            var plan = Plan.Create($"Backup {unique}", PlanType.Backup, 3m, "EUR", 100, now).Value!;
            db.Plans.Add(plan);
            await db.SaveChangesAsync();
            var email = $"owner.{unique}@customer.test";
            var created = await sp.GetRequiredService<CreateOrganization>().HandleAsync(
                new CreateOrganizationRequest(Scope.Everything, new Actor("tests", "Web tests"), Partner.Id, plan.Id, new NewOrganization(
                    new PersonalInfo("Olga", "Owner", email, "DE", name ?? $"Customer {unique}"), AutoLicense: false, Seats: 5)),
                CancellationToken.None);
            created.Error.ShouldBeNull();
            if (withPassword)
            {
                await SetPasswordAsync(app, created.Value!.Id, Password);
            }

            return (created.Value!.Id, email);
        });

    public static Task SetPasswordAsync(CustosApp app, Guid organizationId, string password) =>
        app.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var owner = await db.LoginAccounts.SingleAsync(a => a.OrganizationId == organizationId && a.IsOwner);
            owner.SetPassword(new PasswordHasher<LoginAccount>().HashPassword(owner, password), now);
            await db.SaveChangesAsync();
        });

    /// Runs a lifecycle command as the partner's system would (the whole platform in scope).
    public static Task<Custos.Domain.Result> LifecycleAsync<TCommand>(CustosApp app, Guid organizationId)
        where TCommand : notnull =>
        app.InScopeAsync(async sp =>
        {
            var command = new OrganizationCommand(Scope.Everything, new Actor("tests", "Web tests"), organizationId);
            var use = sp.GetRequiredService<TCommand>();
            return use switch
            {
                SuspendOrganization s => await s.HandleAsync(command, default),
                UnsubscribeOrganization u => await u.HandleAsync(command, default),
                ReactivateOrganization r => await r.HandleAsync(command, default),
                DeleteOrganization d => (await d.HandleAsync(command, default)).Error is { } e ? e : Custos.Domain.Result.Ok,
                _ => throw new ArgumentOutOfRangeException(nameof(TCommand)),
            };
        });

    /// Signs in to the customer portal through its form; fails the test unless it leads into the portal.
    public static async Task<PortalSession> CustomerAsync(CustosApp app, string email, string password = Password)
    {
        var session = PortalSession.Anonymous(app);
        using var response = await session.PostFormAsync("/portal/signin", "portal-signin", SignInForm(email, password));
        if (response.StatusCode != HttpStatusCode.Redirect || Where(response) != "/portal")
        {
            var body = Html.Text(await response.Content.ReadAsStringAsync());
            session.Dispose();
            throw new InvalidOperationException($"Portal sign-in of {email} failed: {(int)response.StatusCode} {Where(response)} {body}");
        }

        return session;
    }

    /// Where a redirect leads, as a local path and query (Blazor's redirects are absolute addresses).
    public static string Where(HttpResponseMessage response) =>
        response.Headers.Location is not { } location ? "" : location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;

    public static Dictionary<string, string?> SignInForm(string email, string password) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = password,
    };
}
