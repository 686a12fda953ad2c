using System.Security.Cryptography;
using Bogus;
using Custos.ControlPlane.Organizations;
using Custos.Data;
using Custos.Domain;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Hosting;

public sealed record DemoAccount(string Role, string Email, string Password);

/// Fills an empty database with a demo: an operator, a distributor, a partner with two
/// sub-partners, plans of every type, and about 60 organizations over every status and plan.
/// Everything goes through the same use cases as real traffic, so history and audit are real too.
public sealed class DemoSeeder(
    AppDbContext db,
    UserManager<AppUser> users,
    IServiceScopeFactory scopes,
    TimeProvider clock)
{
    public const int OrganizationCount = 60;

    public async Task<IReadOnlyList<DemoAccount>> SeedIfEmptyAsync(CancellationToken ct)
    {
        if (await db.Partners.AnyAsync(ct))
        {
            return [];
        }

        var now = clock.GetUtcNow();
        var distributor = Must(Partner.Create("Northwind Distribution", "NL", null, isDistributor: true, now));
        var partner = Must(Partner.Create("Contoso IT Services", "DE", distributor, isDistributor: false, now));
        var subA = Must(Partner.Create("Fabrikam Support", "AT", partner, isDistributor: false, now));
        var subB = Must(Partner.Create("Tailspin Managed IT", "CH", partner, isDistributor: false, now));
        db.Partners.AddRange(distributor, partner, subA, subB);

        var plans = new[]
        {
            Must(Plan.Create("Personal Mail", PlanType.Personal, 2.50m, "EUR", 50, now)),
            Must(Plan.Create("Backup Standard", PlanType.Backup, 3.00m, "EUR", 100, now)),
            Must(Plan.Create("Backup Plus", PlanType.Backup, 4.50m, "EUR", 250, now)),
            Must(Plan.Create("Archiver", PlanType.Archiver, 6.00m, "EUR", 1000, now)),
        };
        db.Plans.AddRange(plans);
        await db.SaveChangesAsync(ct);

        var accounts = new List<DemoAccount>
        {
            await UserAsync("Operator", "operator@custos.test", "Platform Operator", null, null, isOperator: true),
            await UserAsync("Partner owner", "owner@contoso-it.test", "Dana Owner", partner.Id, PartnerRole.Owner, isOperator: false),
        };

        await OrganizationsAsync([partner, subA, subB], plans, ct);
        await EntitlementsAsync(partner, subA, ct);
        accounts.Add(await CustomerAsync(partner, ct));
        return accounts;
    }

    /// The owner of the demo partner's first active organization, with a password for the customer portal.
    private async Task<DemoAccount> CustomerAsync(Partner partner, CancellationToken ct)
    {
        var owner = await (
            from o in db.Organizations
            where o.PartnerId == partner.Id && o.Status == OrganizationStatus.Active
            join a in db.LoginAccounts on o.Id equals a.OrganizationId
            where a.IsOwner
            orderby o.NameNormalized, o.Id
            select a).FirstAsync(ct);
        var password = NewPassword();
        owner.SetPassword(new PasswordHasher<LoginAccount>().HashPassword(owner, password), clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return new DemoAccount("Customer", owner.Email, password);
    }

    private async Task OrganizationsAsync(Partner[] partners, Plan[] plans, CancellationToken ct)
    {
        var faker = new Faker("en") { Random = new Randomizer(20261122) };
        var actor = new Actor("seed", "Demo data");
        var statuses = new[] { OrganizationStatus.Active, OrganizationStatus.Active, OrganizationStatus.Active, OrganizationStatus.Suspended, OrganizationStatus.Unsubscribed, OrganizationStatus.Deleted };
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < OrganizationCount; i++)
        {
            var plan = plans[i % plans.Length];
            var owner = new Person("en", 20261122 + i);
            string company;
            do
            {
                company = faker.Company.CompanyName();
            }
            while (!names.Add(TextKey.Name(company)));

            var auto = plan.Type != PlanType.Personal && i % 5 == 0;
            int? seats = plan.Type == PlanType.Personal || auto ? null : faker.Random.Int(5, 250);
            var input = new NewOrganization(
                new PersonalInfo(owner.FirstName, owner.LastName, $"{owner.FirstName}.{owner.LastName}.{i}@{faker.Internet.DomainWord()}.example".ToLowerInvariant(), partners[i % partners.Length].Country, company),
                auto,
                seats);

            await using var scope = scopes.CreateAsyncScope();
            var sp = scope.ServiceProvider;
            var partner = partners[i % partners.Length];
            var created = await sp.GetRequiredService<CreateOrganization>()
                .HandleAsync(new CreateOrganizationRequest(Scope.Everything, actor, partner.Id, plan.Id, input), ct);
            var org = Must(created);

            var scoped = sp.GetRequiredService<AppDbContext>();
            var tracked = await scoped.Organizations.SingleAsync(o => o.Id == org.Id, ct);
            var inUse = seats is { } s ? faker.Random.Int(1, s) : plan.Type == PlanType.Personal ? 1 : faker.Random.Int(3, 120);
            // Deduplication and compression keep the stored bytes at a third to three quarters of the logical ones.
            var stored = faker.Random.Long(50_000_000, 400_000_000_000);
            tracked.RecordUsage(inUse, stored, null, logicalBytes: (long)(stored * faker.Random.Double(1.3, 3.2)));
            var ownerAccount = await scoped.LoginAccounts.SingleAsync(a => a.OrganizationId == org.Id && a.IsOwner, ct);
            if (i % 3 == 0)
            {
                ownerAccount.RecordSignIn(clock.GetUtcNow().AddHours(-faker.Random.Int(1, 24 * 20)));
            }

            await scoped.SaveChangesAsync(ct);
            await SourcesAsync(sp, actor, org, i, inUse, ct);
            await StoreWelcomeMessageAsync(sp, org, ct);

            var command = new OrganizationCommand(Scope.Everything, actor, org.Id);
            switch (statuses[(i + (i / plans.Length)) % statuses.Length])
            {
                case OrganizationStatus.Suspended:
                    await sp.GetRequiredService<SuspendOrganization>().HandleAsync(command, ct);
                    break;
                case OrganizationStatus.Unsubscribed:
                    await sp.GetRequiredService<UnsubscribeOrganization>().HandleAsync(command, ct);
                    break;
                case OrganizationStatus.Deleted:
                    await sp.GetRequiredService<DeleteOrganization>().HandleAsync(command, ct);
                    break;
            }
        }
    }

    /// One stored message per organization, so a deleted demo organization has storage to purge
    /// (and a purge certificate to download).
    private async Task StoreWelcomeMessageAsync(IServiceProvider sp, Organization org, CancellationToken ct)
    {
        var message = $"From: Custos <no-reply@custos.local>\r\nTo: {org.OwnerEmail}\r\n"
            + $"Date: {clock.GetUtcNow():R}\r\nSubject: Welcome to Custos\r\nMessage-ID: <{org.Id:N}@custos.local>\r\n\r\n"
            + "Your mailboxes are backed up here.\r\n";
        using var raw = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(message));
        await sp.GetRequiredService<DataPlane.Storage.MessageStore>().PutAsync(org.Id, raw, ct);
    }

    /// Every demo organization backs up an IMAP server; some also a Microsoft 365 tenant (a few with
    /// admin credentials) or a Google Workspace domain. Every ninth has its IMAP password in error, so
    /// it shows under "Need Authentication".
    private async Task SourcesAsync(IServiceProvider sp, Actor actor, Organization org, int i, int inUse, CancellationToken ct)
    {
        var recorder = sp.GetRequiredService<RecordSourceState>();
        var domain = org.OwnerEmail[(org.OwnerEmail.IndexOf('@') + 1)..];
        var lastRun = clock.GetUtcNow().AddHours(-(i % 8) - 1);
        var imap = i % 9 == 4
            ? new SourceState(inUse, BackupStatus.Error, lastRun.AddDays(-2), "Re-enter the IMAP password: the server refuses the saved one.")
            : i % 13 == 0
                ? new SourceState(0, BackupStatus.NeverRun, null, null)
                : new SourceState(inUse, i % 11 == 6 ? BackupStatus.Warning : BackupStatus.Healthy, lastRun, null);
        Must(await recorder.HandleAsync(new RecordSourceStateRequest(Scope.Everything, actor, org.Id, SourceKind.Imap, "imap." + domain, imap), ct));

        if (i % 4 == 1)
        {
            var m365 = new SourceState(Math.Max(1, inUse / 2), BackupStatus.Healthy, lastRun, null, HasAdminCredentials: i % 8 == 1);
            Must(await recorder.HandleAsync(new RecordSourceStateRequest(Scope.Everything, actor, org.Id, SourceKind.Microsoft365, domain, m365), ct));
        }

        if (i % 10 == 7)
        {
            var google = new SourceState(Math.Max(1, inUse / 3), BackupStatus.Healthy, lastRun, null);
            Must(await recorder.HandleAsync(new RecordSourceStateRequest(Scope.Everything, actor, org.Id, SourceKind.GoogleWorkspace, domain, google), ct));
        }
    }

    /// WORM storage and the Data Protection Officer for the demo partner (and so its sub-partners),
    /// Compliance for one sub-partner; private chat backup stays locked, so the Features tab shows both states.
    private async Task EntitlementsAsync(Partner partner, Partner sub, CancellationToken ct)
    {
        var op = await users.FindByEmailAsync("operator@custos.test") ?? throw new InvalidOperationException("The demo operator is missing.");
        var acting = new ControlPlane.Partners.ActingUser(op.Id, new Actor(op.Id.ToString(), op.DisplayName));
        foreach (var (feature, grantee) in new[] { (OrganizationFeature.Worm, partner), (OrganizationFeature.DataProtectionOfficer, partner), (OrganizationFeature.Compliance, sub) })
        {
            await using var scope = scopes.CreateAsyncScope();
            Must(await scope.ServiceProvider.GetRequiredService<ControlPlane.Entitlements.GrantFeatureEntitlement>()
                .HandleAsync(new(acting, feature.ToString(), grantee.PublicId, null), ct));
        }
    }

    private async Task<DemoAccount> UserAsync(string role, string email, string name, Guid? partnerId, PartnerRole? partnerRole, bool isOperator)
    {
        var password = NewPassword();
        var user = new AppUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = name,
            PartnerId = partnerId,
            Role = partnerRole,
            IsOperator = isOperator,
        };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Could not create demo user: " + string.Join("; ", result.Errors.Select(e => e.Description)));
        }

        return new DemoAccount(role, email, password);
    }

    /// A random password that meets Identity's rules (upper, lower, digit, symbol).
    private static string NewPassword() =>
        "Cu-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', 'x').Replace('/', 'y') + "7a";

    private static T Must<T>(Result<T> result) =>
        result.Error is null ? result.Value! : throw new InvalidOperationException("Demo data is invalid: " + result.Error.Message);
}
