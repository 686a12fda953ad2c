using System.Net;
using Custos.ControlPlane.Organizations;
using Custos.Domain.Audit;
using Custos.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Custos.Web.Tests.CustomerPortal;

/// "Log in as client" over plain HTTP: the partner's post, the one-time ticket, the portal session
/// with its banner, both identities in the audit journal, and every refusal.
public sealed class LogInAsClientTests(SqliteHostFixture fixture) : IClassFixture<SqliteHostFixture>
{
    private CustosApp App => fixture.App;

    /// Posts the row menu's form; returns the answer (a redirect to the ticket on success).
    private static async Task<HttpResponseMessage> PostAsync(PortalSession partner, Guid organizationId) =>
        await partner.PostFormAsync($"/organizations/{organizationId}/log-in-as-client", "log-in-as-client", [],
            await partner.TokenFromAsync("/organizations"));

    private static async Task<string> TicketPathAsync(PortalSession partner, Guid organizationId)
    {
        using var response = await PostAsync(partner, organizationId);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, Html.Text(await response.Content.ReadAsStringAsync()));
        var location = CustomerWorld.Where(response);
        location.ShouldStartWith("/portal/client?ticket=");
        return location;
    }

    [Fact]
    public async Task GroupedPartnerUser_OpensThePortalAsTheOwner_WithABanner_AndEveryActionCarriesBothIdentities()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, owner) = await world.OrganizationAsync(App, withPassword: false);
        using var partner = await PortalSession.SignInAsync(App, world.GroupedOwner, CustomerWorld.Password);
        (await partner.GetHtmlAsync("/organizations")).ShouldContain($"action=\"/organizations/{id}/log-in-as-client\"");

        var ticket = await TicketPathAsync(partner, id);
        using var redeemed = await partner.GetAsync(ticket);

        redeemed.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        CustomerWorld.Where(redeemed).ShouldBe("/portal");
        var portal = Html.Text(await partner.GetHtmlAsync("/portal"));
        portal.ShouldContain(world.GroupedOwnerName);
        portal.ShouldContain("Return to partner portal");
        portal.ShouldContain(owner);
        var signIn = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(a => a.OrganizationId == id && a.EventType == AuditEventType.PartnerSignedInAsClient));
        signIn.ImpersonatorName!.ShouldContain(world.GroupedOwner);
        signIn.ActorName.ShouldContain(owner);

        using var saved = await partner.PostFormAsync("/portal/settings", "portal-details",
            new Dictionary<string, string?> { ["Details.FirstName"] = "Olga", ["Details.LastName"] = "Owner" });
        saved.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var action = await App.InDatabaseAsync(db => db.AuditEntries.AsNoTracking().SingleAsync(a => a.OrganizationId == id && a.EventType == AuditEventType.CustomerDetailsUpdated));
        action.ActorName.ShouldContain(owner);
        action.ImpersonatorId.ShouldBe(signIn.ImpersonatorId);
        action.ImpersonatorName.ShouldBe(signIn.ImpersonatorName);

        // Nor is moving the organization to another partner, or the owner's own credentials.
        using var transfer = await partner.PostFormAsync("/portal/settings", "portal-transfer", new Dictionary<string, string?> { ["Transfer.PartnerId"] = "P-ABCDEFG" });
        transfer.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var mfa = await partner.PostFormAsync("/portal/security", "portal-two-factor", new Dictionary<string, string?> { ["Mfa.Code"] = "123456" });
        mfa.StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        Html.Text(await partner.GetHtmlAsync("/portal/partner-sign-ins")).ShouldContain(world.GroupedOwnerName);

        using var back = await partner.PostFormAsync("/portal/return", "", [], await partner.TokenFromAsync("/portal"));
        back.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        CustomerWorld.Where(back).ShouldBe($"/organizations/{id}");
        (await partner.GetAsync("/portal")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await partner.GetAsync($"/organizations/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ATicket_WorksOnce_AndOnlyForItsOwnPartnerUser()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, _) = await world.OrganizationAsync(App);
        using var partner = await PortalSession.SignInAsync(App, world.GroupedOwner, CustomerWorld.Password);
        using var reader = await PortalSession.SignInAsync(App, world.ReadOnly, CustomerWorld.Password);
        using var anonymous = PortalSession.Anonymous(App);

        var ticket = await TicketPathAsync(partner, id);
        using var byOther = await reader.GetAsync(ticket);
        using var byNobody = await anonymous.GetAsync(ticket);
        using var first = await partner.GetAsync(ticket);
        using var replay = await partner.GetAsync(ticket);
        using var tampered = await partner.GetAsync(ticket + "x");

        CustomerWorld.Where(byOther).ShouldBe("/portal/signin?refused=ticket-refused");
        CustomerWorld.Where(byNobody).ShouldBe("/portal/signin?refused=ticket-refused");
        CustomerWorld.Where(first).ShouldBe("/portal");
        CustomerWorld.Where(replay).ShouldBe("/portal/signin?refused=ticket-used");
        CustomerWorld.Where(tampered).ShouldBe("/portal/signin?refused=ticket-refused");
        foreach (var refused in new[] { byOther, byNobody, replay })
        {
            refused.Headers.TryGetValues("Set-Cookie", out var cookies);
            (cookies ?? []).ShouldNotContain(c => c.StartsWith("custos.portal=", StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
        }

        Html.Text(await anonymous.GetHtmlAsync("/portal/signin?refused=ticket-used")).ShouldContain("already used");
        (await reader.GetAsync("/portal")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await App.InDatabaseAsync(db => db.AuditEntries.CountAsync(a => a.OrganizationId == id && a.EventType == AuditEventType.PartnerSignedInAsClient))).ShouldBe(1);
    }

    [Fact]
    public async Task Refusals_NoGroup403_ReadOnly403_Deleted409_Suspended409_Foreign404_NoToken400()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var other = await CustomerWorld.CreateAsync(App);
        var (id, _) = await world.OrganizationAsync(App);
        var (deleted, _) = await world.OrganizationAsync(App);
        var (suspended, _) = await world.OrganizationAsync(App);
        var (foreign, _) = await other.OrganizationAsync(App);
        (await CustomerWorld.LifecycleAsync<DeleteOrganization>(App, deleted)).Error.ShouldBeNull();
        (await CustomerWorld.LifecycleAsync<SuspendOrganization>(App, suspended)).Error.ShouldBeNull();
        using var partner = await PortalSession.SignInAsync(App, world.GroupedOwner, CustomerWorld.Password);
        using var ungrouped = await PortalSession.SignInAsync(App, world.Ungrouped, CustomerWorld.Password);
        using var reader = await PortalSession.SignInAsync(App, world.ReadOnly, CustomerWorld.Password);

        using var noGroup = await PostAsync(ungrouped, id);
        noGroup.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        Html.Text(await noGroup.Content.ReadAsStringAsync()).ShouldContain("not in any group");
        (await PostAsync(reader, id)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.GetHtmlAsync("/organizations")).ShouldNotContain("log-in-as-client");
        using var gone = await PostAsync(partner, deleted);
        gone.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        Html.Text(await gone.Content.ReadAsStringAsync()).ShouldContain("deleted");
        using var closed = await PostAsync(partner, suspended);
        closed.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        Html.Text(await closed.Content.ReadAsStringAsync()).ShouldContain("suspended");
        (await PostAsync(partner, foreign)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await PostAsync(partner, Guid.NewGuid())).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var forged = await partner.PostFormAsync($"/organizations/{id}/log-in-as-client", "log-in-as-client", [], token: null);
        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await App.InDatabaseAsync(db => db.ImpersonationTickets.CountAsync(t => t.OrganizationId == id || t.OrganizationId == deleted || t.OrganizationId == suspended || t.OrganizationId == foreign))).ShouldBe(0);
    }

    [Fact]
    public async Task SuspendingDuringAClientSession_EndsIt()
    {
        var world = await CustomerWorld.CreateAsync(App);
        var (id, _) = await world.OrganizationAsync(App);
        using var partner = await PortalSession.SignInAsync(App, world.GroupedOwner, CustomerWorld.Password);
        (await partner.GetAsync(await TicketPathAsync(partner, id))).Dispose();

        (await CustomerWorld.LifecycleAsync<SuspendOrganization>(App, id)).Error.ShouldBeNull();

        using var next = await partner.GetAsync("/portal");
        CustomerWorld.Where(next).ShouldContain("refused=suspended");
    }
}
