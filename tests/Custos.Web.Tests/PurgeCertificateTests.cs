using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Custos.Data;
using Custos.DataPlane.Storage;
using Custos.Domain.Audit;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Custos.Web.Tests;

/// Purge certificates over plain HTTP: the partner's download (its scope only, deleted
/// organizations included), the link on a deleted organization's page, and the operator's routes.
public abstract class PurgeCertificateTests(PortalWorldFixture fixture) : IAsyncLifetime
{
    private int _logMark;

    private CustosApp App => fixture.App;

    private PortalWorld World => fixture.World;

    private string CertificatePath => $"/organizations/{World.DeletedOrganization.Id}/purge-certificate";

    public Task InitializeAsync()
    {
        _logMark = App.Logs.Count;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        App.Logs.AtLeast(LogLevel.Error, _logMark).ShouldBeEmpty();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(PortalWorld.TopOwner)]
    [InlineData(PortalWorld.TopReadOnly)]
    public async Task Download_OfADeletedOrganizationInScope_IsTheSignedCertificate(string user)
    {
        using var session = await PortalSession.SignInAsync(App, user, PortalWorld.Password);

        using var response = await session.GetAsync(CertificatePath);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        response.Content.Headers.ContentDisposition!.FileName.ShouldBe($"custos-purge-certificate-{World.DeletedOrganization.PublicId}.json");
        var json = await response.Content.ReadAsStringAsync();
        var keys = App.Services.GetRequiredService<PlatformKeys>();
        PurgeCertificates.Verify(json, keys.SigningPublicKey).IsValid.ShouldBeTrue();
        using var document = JsonDocument.Parse(json);
        var body = document.RootElement.GetProperty("certificate");
        body.GetProperty("organizationId").GetGuid().ShouldBe(World.DeletedOrganization.Id);
        body.GetProperty("organizationPublicId").GetString().ShouldBe(World.DeletedOrganization.PublicId);
        body.GetProperty("testDecryption").GetProperty("succeeded").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Download_OfAnOrganizationOutsideTheScope_Answers404()
    {
        using var sub = await PortalSession.SignInAsync(App, PortalWorld.SubOwner, PortalWorld.Password);
        using var owner = await PortalSession.SignInAsync(App, PortalWorld.TopOwner, PortalWorld.Password);
        var otherDeleted = await DeleteAsync(World.OtherOrganization.Id);

        using var foreign = await sub.GetAsync(CertificatePath);
        using var otherTree = await owner.GetAsync($"/organizations/{otherDeleted}/purge-certificate");
        using var unknown = await owner.GetAsync($"/organizations/{Guid.NewGuid()}/purge-certificate");

        foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        otherTree.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await foreign.Content.ReadAsStringAsync()).ShouldNotContain("\"certificate\"");
        (await otherTree.Content.ReadAsStringAsync()).ShouldNotContain("\"certificate\"");
    }

    [Fact]
    public async Task Download_OfALiveOrganization_Answers404()
    {
        using var session = await PortalSession.SignInAsync(App, PortalWorld.TopOwner, PortalWorld.Password);

        using var response = await session.GetAsync($"/organizations/{World.TopOrganization.Id}/purge-certificate");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Download_WithoutSigningIn_RedirectsToSignIn()
    {
        using var session = PortalSession.Anonymous(App);

        using var response = await session.GetAsync(CertificatePath);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldContain("/signin");
    }

    [Fact]
    public async Task DeletedOrganizationPage_LinksToTheCertificate()
    {
        using var session = await PortalSession.SignInAsync(App, PortalWorld.TopOwner, PortalWorld.Password);

        using var response = await session.GetAsync($"/organizations/{World.DeletedOrganization.Id}");

        response.StatusCode.ShouldBe(HttpStatusCode.Gone);
        (await response.Content.ReadAsStringAsync()).ShouldContain($"href=\"{CertificatePath}\"");
    }

    [Fact]
    public async Task OperatorRoutes_ServeAnyCertificateAndTheSigningKey_AndRefusePartnerUsers()
    {
        var op = await OperatorAsync();
        using var session = await PortalSession.SignInAsync(App, op, PortalWorld.Password);
        using var partner = await PortalSession.SignInAsync(App, PortalWorld.TopOwner, PortalWorld.Password);
        var operatorPath = $"/operator/organizations/{World.DeletedOrganization.Id}/purge-certificate";

        using var download = await session.GetAsync(operatorPath);
        using var key = await session.GetAsync("/operator/purge-certificates/signing-key.pem");
        var page = await session.GetHtmlAsync("/operator/purge-certificates");
        using var refused = await partner.GetAsync(operatorPath);
        using var refusedPage = await partner.GetAsync("/operator/purge-certificates");

        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        key.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(await key.Content.ReadAsStringAsync());
        PurgeCertificates.Verify(await download.Content.ReadAsStringAsync(), publicKey.ExportSubjectPublicKeyInfo()).IsValid.ShouldBeTrue();
        page.ShouldContain(World.DeletedOrganization.PublicId);
        page.ShouldContain($"href=\"{operatorPath}\"");
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        refusedPage.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    private Task<Guid> DeleteAsync(Guid organizationId) =>
        App.InScopeAsync(async sp =>
        {
            var deleted = await sp.GetRequiredService<ControlPlane.Organizations.DeleteOrganization>().HandleAsync(
                new ControlPlane.Organizations.OrganizationCommand(Scope.Everything, new Actor("tests", "Web tests"), organizationId),
                CancellationToken.None);
            deleted.Error.ShouldBeNull();
            return organizationId;
        });

    private Task<string> OperatorAsync() =>
        App.InScopeAsync(async sp =>
        {
            var email = $"operator.{Guid.NewGuid():N}@example.test";
            var user = new AppUser { UserName = email, Email = email, DisplayName = "Operator", IsOperator = true };
            (await sp.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, PortalWorld.Password)).Succeeded.ShouldBeTrue();
            return email;
        });
}

public sealed class SqlitePurgeCertificateTests(SqlitePortalWorldFixture fixture)
    : PurgeCertificateTests(fixture), IClassFixture<SqlitePortalWorldFixture>;

public sealed class PostgresPurgeCertificateTests(PostgresPortalWorldFixture fixture)
    : PurgeCertificateTests(fixture), IClassFixture<PostgresPortalWorldFixture>;
