using System.Text.RegularExpressions;
using Custos.ControlPlane.Mail;
using Custos.ControlPlane.Transfers;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Custos.Web.Tests.Browser;

/// <see cref="PortalWorld"/> plus an operator, an owner of the Other partner, and one pending
/// transfer of a Top organization to Other.
public sealed class ConsoleBrowserFixture() : BrowserFixture(new SqliteHostFixture())
{
    public const string OperatorEmail = "operator@custos.test";
    public const string OtherOwner = "owner@other.test";
    public const string Moving = "Moving Customer Ltd";

    private PortalWorld? _world;

    public PortalWorld World => _world ?? throw new InvalidOperationException("The world was not seeded.");

    public Organization MovingOrganization { get; private set; } = default!;

    protected override async Task SeedAsync(CustosApp app)
    {
        var world = _world = await PortalWorld.SeedAsync(app);
        MovingOrganization = await BrowserSeed.OrganizationAsync(app, world.Top, world.Backup, Moving, "moving@top.test", "Mia", "Mover");
        await app.InScopeAsync(async sp =>
        {
            var users = sp.GetRequiredService<UserManager<AppUser>>();
            (await users.CreateAsync(new AppUser { UserName = OperatorEmail, Email = OperatorEmail, DisplayName = "Otto Operator", IsOperator = true },
                PortalWorld.Password)).Succeeded.ShouldBeTrue();
            (await users.CreateAsync(new AppUser
            {
                UserName = OtherOwner,
                Email = OtherOwner,
                EmailConfirmed = true,
                DisplayName = "Olaf Other",
                PartnerId = world.Other.Id,
                Role = PartnerRole.Owner,
            }, PortalWorld.Password)).Succeeded.ShouldBeTrue();

            // The Other partner offers a Backup plan of its own: the organization's plan maps to it.
            var requested = await sp.GetRequiredService<RequestTransfer>().HandleAsync(
                MovingOrganization.Id, world.Other.PublicId, new Actor("mia", "Mia Mover"), CancellationToken.None);
            requested.Error.ShouldBeNull();
        });
    }
}

/// The operator console and the audit journal in Chromium: the transfer queue through to the
/// execution at the cut-off, a partner user refused on an operator page, the audit filters.
public sealed class ConsoleBrowserTests(ConsoleBrowserFixture fixture) : IClassFixture<ConsoleBrowserFixture>
{
    [Fact]
    public async Task TransferQueue_Approve_ThenAtTheCutOff_TheOrganizationIsListedUnderTheNewPartner()
    {
        await using (var op = await fixture.OpenAsync())
        {
            await op.SubmitSignInAsync(ConsoleBrowserFixture.OperatorEmail, PortalWorld.Password);
            await op.Page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
            (await op.GoAsync("/operator/transfers")).ShouldBe(200);
            var pending = op.Page.GetByRole(AriaRole.Table, new() { Name = "Pending requests" });
            await Expect(pending).ToContainTextAsync(ConsoleBrowserFixture.Moving);

            await op.Page.GetByRole(AriaRole.Button, new() { Name = $"Approve the transfer of {ConsoleBrowserFixture.Moving}" }).ClickAsync();

            await Expect(op.Status).ToContainTextAsync("is approved");
            await Expect(op.Page.GetByRole(AriaRole.Table, new() { Name = "Recent decisions" })).ToContainTextAsync("Approved");
        }

        // The job at the cut-off, on a clock of its own (the host's scheduler keeps the real one).
        var cutOff = await fixture.App.InDatabaseAsync(db => db.Transfers.AsNoTracking()
            .Where(t => t.OrganizationId == fixture.MovingOrganization.Id).Select(t => t.EffectiveAt).SingleAsync());
        var run = await fixture.App.InScopeAsync(async sp =>
        {
            var clock = new FakeTimeProvider(cutOff!.Value);
            var db = sp.GetRequiredService<AppDbContext>();
            var outbox = new Outbox(db, clock, sp.GetRequiredService<IMailAddresses>());
            return await new ExecuteDueTransfers(db, outbox, clock, NullLogger<ExecuteDueTransfers>.Instance).HandleAsync(CancellationToken.None);
        });
        run.Executed.ShouldBe(1);

        await using var other = await fixture.SignInAsync(ConsoleBrowserFixture.OtherOwner, PortalWorld.Password);
        await Expect(other.OrganizationsTable).ToContainTextAsync(ConsoleBrowserFixture.Moving);
        await using var top = await fixture.SignInAsync(PortalWorld.TopOwner, PortalWorld.Password);
        await Expect(top.OrganizationsTable).ToContainTextAsync("Top Partner Own Customer");
        await Expect(top.OrganizationsTable).Not.ToContainTextAsync(ConsoleBrowserFixture.Moving);
    }

    [Fact]
    public async Task OperatorPage_ForAPartnerUser_IsRefused()
    {
        await using var partner = await fixture.SignInAsync(PortalWorld.TopOwner, PortalWorld.Password);

        (await partner.GoAsync("/operator/transfers")).ShouldBe(403);

        await Expect(partner.Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).Not.ToHaveTextAsync("Transfers");
        await Expect(partner.Page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Approve") })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AuditPage_FiltersByEventType_AndTheAddressKeepsTheFilter()
    {
        await using var owner = await fixture.SignInAsync(PortalWorld.TopOwner, PortalWorld.Password);
        (await owner.GoAsync("/audit")).ShouldBe(200);
        var entries = owner.Page.GetByRole(AriaRole.Table, new() { Name = "Audit entries, newest first" });
        await Expect(entries).ToContainTextAsync(fixture.World.TopOrganization.PublicId);

        await owner.Page.GetByLabel("Event").SelectOptionAsync(new SelectOptionValue { Label = "Organization deleted" });
        await owner.Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();

        await owner.WaitForQueryAsync("/audit", ("type", ((int)AuditEventType.OrganizationDeleted).ToString()));
        await Expect(entries).ToContainTextAsync(fixture.World.DeletedOrganization.PublicId);
        await Expect(entries).Not.ToContainTextAsync(fixture.World.TopOrganization.PublicId);
        await Expect(owner.Page.GetByLabel("Event")).ToHaveValueAsync(((int)AuditEventType.OrganizationDeleted).ToString());
    }
}
