using System.Net;
using Custos.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Custos.Web.Tests.CustomerPortal;

/// A host on a fake clock. The scheduler is off: Quartz would take the fake clock too (see
/// <see cref="CustosAppOptions.Services"/>), and nothing here needs background jobs.
public sealed class FakeClockHostFixture : HostFixture
{
    public FakeTimeProvider Clock { get; } = new(TimeProvider.System.GetUtcNow());

    public override Custos.Data.DatabaseProvider Provider => Custos.Data.DatabaseProvider.Sqlite;

    protected override Task<CustosAppOptions> PrepareAsync(string dataPath) =>
        Task.FromResult(new CustosAppOptions(dataPath)
        {
            Settings = new Dictionary<string, string?> { ["Custos:Scheduler:Enabled"] = "false" },
            Services = services => services.AddSingleton<TimeProvider>(Clock),
        });
}

/// The client session's time limits: a ticket works for 60 seconds, the session for 30 minutes.
public sealed class ClientSessionExpiryTests(FakeClockHostFixture fixture) : IClassFixture<FakeClockHostFixture>
{
    private CustosApp App => fixture.App;

    private static async Task<string> TicketPathAsync(PortalSession partner, Guid organizationId)
    {
        using var response = await partner.PostFormAsync($"/organizations/{organizationId}/log-in-as-client", "log-in-as-client", [],
            await partner.TokenFromAsync("/organizations"));
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return CustomerWorld.Where(response);
    }

    [Fact]
    public async Task ATicketOlderThan60Seconds_IsRefused()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, _) = await world.OrganizationAsync(App);
        using var partner = await PortalSession.SignInAsync(App, world.GroupedOwner, CustomerWorld.Password);
        var ticket = await TicketPathAsync(partner, id);

        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        using var late = await partner.GetAsync(ticket);

        CustomerWorld.Where(late).ShouldBe("/portal/signin?refused=ticket-expired");
        Html.Text(await partner.GetHtmlAsync(CustomerWorld.Where(late))).ShouldContain("has expired");
        (await partner.GetAsync("/portal")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task TheClientSession_EndsAfter30Minutes()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, _) = await world.OrganizationAsync(App);
        using var partner = await PortalSession.SignInAsync(App, world.GroupedOwner, CustomerWorld.Password);
        (await partner.GetAsync(await TicketPathAsync(partner, id))).Dispose();

        fixture.Clock.Advance(TimeSpan.FromMinutes(29));
        (await partner.GetAsync("/portal")).StatusCode.ShouldBe(HttpStatusCode.OK);
        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        using var after = await partner.GetAsync("/portal");

        after.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        CustomerWorld.Where(after).ShouldContain("/portal/signin");
    }
}
