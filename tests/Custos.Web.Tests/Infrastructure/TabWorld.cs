using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Web.Tests.Infrastructure;

/// A root partner of its own with an Owner and a Read-only user (both with <c>password</c>), and
/// one Backup and one Archiver organization: what the details tabs' host tests start from.
public sealed record TabWorld(Partner Partner, string Owner, string ReadOnly, Guid Backup, Guid Archiver)
{
    public static Task<TabWorld> CreateAsync(CustosApp app, string partnerName, string password) =>
        app.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var unique = Guid.NewGuid().ToString("N")[..10];
            var partner = Partner.Create($"{partnerName} {unique}", "DE", null, isDistributor: false, now).Value!;
            var backup = Plan.Create($"Backup {unique}", PlanType.Backup, 3m, "EUR", 100, now).Value!;
            var archiver = Plan.Create($"Archiver {unique}", PlanType.Archiver, 5m, "EUR", 100, now).Value!;
            db.Partners.Add(partner);
            db.Plans.AddRange(backup, archiver);
            await db.SaveChangesAsync();

            var users = sp.GetRequiredService<UserManager<AppUser>>();
            async Task<string> UserAsync(PartnerRole role)
            {
                var email = $"{role.ToString().ToLowerInvariant()}.{unique}@example.test";
                var user = new AppUser { UserName = email, Email = email, DisplayName = $"{role} {unique}", PartnerId = partner.Id, Role = role };
                (await users.CreateAsync(user, password)).Succeeded.ShouldBeTrue();
                return email;
            }

            async Task<Guid> OrganizationAsync(Plan plan, string name)
            {
                var created = await sp.GetRequiredService<CreateOrganization>().HandleAsync(
                    new CreateOrganizationRequest(Scope.Everything, new Actor("tests", "Web tests"), partner.Id, plan.Id, new NewOrganization(
                        new PersonalInfo("Ada", "Lovelace", $"{name.ToLowerInvariant()}.{unique}@example.test", "DE", $"{name} {unique}"), AutoLicense: false, Seats: 5)),
                    CancellationToken.None);
                created.Error.ShouldBeNull();
                return created.Value!.Id;
            }

            return new TabWorld(
                partner, await UserAsync(PartnerRole.Owner), await UserAsync(PartnerRole.ReadOnly),
                await OrganizationAsync(backup, "Backup"), await OrganizationAsync(archiver, "Archiver"));
        });
}
