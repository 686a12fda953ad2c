using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Web.Tests.Browser;

/// Data for browser tests, made through the host's own use cases and services, as the portal would make it.
public static class BrowserSeed
{
    private static readonly Actor Seeder = new("browser-tests", "Browser tests");

    /// A top-level partner that may sell <paramref name="plans"/>.
    public static Task<Partner> PartnerAsync(CustosApp app, string name, string country, params Plan[] plans) =>
        app.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var partner = Must(Partner.Create(name, country, null, isDistributor: false, sp.GetRequiredService<TimeProvider>().GetUtcNow()));
            db.Partners.Add(partner);
            db.PlanOfferings.AddRange(plans.Select(p => new PlanOffering { PartnerId = partner.Id, PlanId = p.Id }));
            await db.SaveChangesAsync();
            return partner;
        });

    /// An organization with five seats (none for Personal, whose name is the owner's full name).
    public static Task<Organization> OrganizationAsync(
        CustosApp app, Partner partner, Plan plan, string name, string email, string firstName = "Seed", string lastName = "Owner") =>
        app.InScopeAsync(async sp =>
        {
            var personal = plan.Type == PlanType.Personal;
            var created = await sp.GetRequiredService<CreateOrganization>().HandleAsync(
                new CreateOrganizationRequest(Scope.Everything, Seeder, partner.Id, plan.Id, new NewOrganization(
                    new PersonalInfo(firstName, lastName, email, partner.Country, personal ? null : name),
                    AutoLicense: false,
                    Seats: personal ? null : 5)),
                CancellationToken.None);
            return Must(created);
        });

    public static Task SuspendAsync(CustosApp app, Organization org) =>
        app.InScopeAsync(async sp => Must(await sp.GetRequiredService<SuspendOrganization>().HandleAsync(Command(org), CancellationToken.None)));

    public static Task UnsubscribeAsync(CustosApp app, Organization org) =>
        app.InScopeAsync(async sp => Must(await sp.GetRequiredService<UnsubscribeOrganization>().HandleAsync(Command(org), CancellationToken.None)));

    public static Task DeleteAsync(CustosApp app, Organization org) =>
        app.InScopeAsync(async sp => Must(await sp.GetRequiredService<DeleteOrganization>().HandleAsync(Command(org), CancellationToken.None)));

    /// Marks a credential of the organization as in error, as a failed backup would.
    public static Task CredentialErrorAsync(CustosApp app, Organization org) =>
        app.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var tracked = await db.Organizations.FindAsync(org.Id) ?? throw new InvalidOperationException($"{org.Name} is gone.");
            tracked.SetCredentialError(true);
            await db.SaveChangesAsync();
        });

    /// Connects a source of the organization (or updates it), as the data plane's report after a run would.
    public static Task SourceAsync(CustosApp app, Organization org, SourceKind kind, string label, BackupStatus status, string? error = null) =>
        app.InScopeAsync(async sp =>
        {
            var lastRun = sp.GetRequiredService<TimeProvider>().GetUtcNow().AddHours(-1);
            var state = new SourceState(3, status, lastRun, error);
            Must(await sp.GetRequiredService<RecordSourceState>().HandleAsync(
                new RecordSourceStateRequest(Scope.Everything, Seeder, org.Id, kind, label, state), CancellationToken.None));
        });

    public static Task<AppUser> UserAsync(CustosApp app, string email, string displayName, Guid partnerId, PartnerRole role, string password) =>
        app.InScopeAsync(async sp =>
        {
            var user = new AppUser
            {
                UserName = email,
                Email = email,
                EmailConfirmed = true,
                DisplayName = displayName,
                PartnerId = partnerId,
                Role = role,
            };
            var result = await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, password);
            result.Succeeded.ShouldBeTrue(string.Join("; ", result.Errors.Select(e => e.Description)));
            return user;
        });

    private static OrganizationCommand Command(Organization org) => new(Scope.Everything, Seeder, org.Id);

    private static T Must<T>(Result<T> result) =>
        result.Error is null ? result.Value! : throw new InvalidOperationException(result.Error.Message);

    private static void Must(Result result)
    {
        if (result.Error is not null)
        {
            throw new InvalidOperationException(result.Error.Message);
        }
    }
}
