using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Custos.ControlPlane.ApiKeys;
using Custos.ControlPlane.Organizations;
using Custos.ControlPlane.Partners;
using Custos.Data;
using Custos.Domain.Audit;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Custos.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.Web.Tests.Api;

/// A partner of its own (with a sub-partner and an unrelated foreign partner), Backup, Archiver and
/// Personal plans, one organization in each partner, its owner and read-only users, and two API
/// keys made through the real use case: Full administrator and Read-only.
public sealed record ApiWorld(
    Partner Partner, Partner Sub, Partner Foreign, Guid OwnerUserId, string OwnerEmail, string ReadOnlyEmail,
    Plan Backup, Plan Archiver, Plan Personal, Plan BackupTwo,
    Guid Organization, Guid SubOrganization, Guid ForeignOrganization, string Unique,
    string WriterKey, Guid WriterKeyId, string ReaderKey, Guid ReaderKeyId)
{
    public const string Password = "Api-World-Password-1";

    public static Task<ApiWorld> CreateAsync(CustosApp app) =>
        app.InScopeAsync(async sp =>
        {
            var db = sp.GetRequiredService<AppDbContext>();
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var unique = Guid.NewGuid().ToString("N")[..10];
            var partner = Partner.Create($"Api {unique}", "DE", null, isDistributor: false, now).Value!;
            var foreign = Partner.Create($"Foreign {unique}", "FR", null, isDistributor: false, now).Value!;
            db.Partners.AddRange(partner, foreign);
            await db.SaveChangesAsync();
            var sub = Partner.Create($"Sub {unique}", "AT", partner, isDistributor: false, now).Value!;
            var backup = Plan.Create($"Backup {unique}", PlanType.Backup, 3.5m, "EUR", 100, now).Value!;
            var backupTwo = Plan.Create($"Backup Plus {unique}", PlanType.Backup, 4m, "EUR", 200, now).Value!;
            var archiver = Plan.Create($"Archiver {unique}", PlanType.Archiver, 5m, "EUR", 100, now).Value!;
            var personal = Plan.Create($"Personal {unique}", PlanType.Personal, 2m, "EUR", 50, now).Value!;
            db.Partners.Add(sub);
            db.Plans.AddRange(backup, backupTwo, archiver, personal);
            await db.SaveChangesAsync();

            var users = sp.GetRequiredService<UserManager<AppUser>>();
            async Task<AppUser> UserAsync(Partner of, PartnerRole role)
            {
                var email = $"{role.ToString().ToLowerInvariant()}.{of.PublicId.ToLowerInvariant()}.{unique}@example.test";
                var user = new AppUser { UserName = email, Email = email, DisplayName = $"{role} {unique}", PartnerId = of.Id, Role = role };
                (await users.CreateAsync(user, Password)).Succeeded.ShouldBeTrue();
                return user;
            }

            async Task<Guid> OrganizationAsync(Partner of, string name)
            {
                var created = await sp.GetRequiredService<CreateOrganization>().HandleAsync(
                    new CreateOrganizationRequest(Scope.Everything, new Actor("tests", "Web tests"), of.Id, backup.Id, new NewOrganization(
                        new PersonalInfo("Ada", "Lovelace", $"{name.ToLowerInvariant()}.{unique}@example.test", "DE", $"{name} {unique}"), AutoLicense: false, Seats: 5)),
                    CancellationToken.None);
                created.Error.ShouldBeNull();
                return created.Value!.Id;
            }

            var owner = await UserAsync(partner, PartnerRole.Owner);
            var readOnly = await UserAsync(partner, PartnerRole.ReadOnly);
            var acting = new ActingUser(owner.Id, new Actor(owner.Id.ToString(), owner.DisplayName));
            var writer = await sp.GetRequiredService<CreateApiKey>().HandleAsync(new CreateApiKeyRequest(acting, "Automation", PartnerRole.FullAdministrator), CancellationToken.None);
            var reader = await sp.GetRequiredService<CreateApiKey>().HandleAsync(new CreateApiKeyRequest(acting, "Reporting", PartnerRole.ReadOnly), CancellationToken.None);
            writer.Error.ShouldBeNull();
            reader.Error.ShouldBeNull();

            return new ApiWorld(
                partner, sub, foreign, owner.Id, owner.Email!, readOnly.Email!, backup, archiver, personal, backupTwo,
                await OrganizationAsync(partner, "Own"), await OrganizationAsync(sub, "Sub"), await OrganizationAsync(foreign, "Foreign"), unique,
                writer.Value!.Key, writer.Value.Entity.Id, reader.Value!.Key, reader.Value.Entity.Id);
        });

    public ApiClient Writer(CustosApp app) => new(app, WriterKey);

    public ApiClient Reader(CustosApp app) => new(app, ReaderKey);
}

/// Plain HTTP to the API with one key.
public sealed class ApiClient(CustosApp app, string? key) : IDisposable
{
    private readonly HttpClient _http = app.CreateHttpClient();

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null, IDictionary<string, string>? headers = null) =>
        SendAsync(HttpMethod.Post, path, body, headers);

    public Task<HttpResponseMessage> PutAsync(string path, object? body, string? ifMatch) =>
        SendAsync(HttpMethod.Put, path, body, ifMatch is null ? null : new Dictionary<string, string> { ["If-Match"] = ifMatch });

    /// <paramref name="body"/>: a string is sent as it is (for malformed JSON); anything else as JSON.
    public Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string path, object? body = null, IDictionary<string, string>? headers = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (body is not null)
        {
            var text = body as string ?? JsonSerializer.Serialize(body, JsonSerializerOptions.Web);
            request.Content = new StringContent(text, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        return _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();
}

public static class ApiResponses
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, System.Net.HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// Asserts an RFC 9457 problem with the status and, when given, the error code and fields.
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, System.Net.HttpStatusCode expected, string? code = null, params string[] fields)
    {
        var json = await response.JsonAsync(expected);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        json.GetProperty("status").GetInt32().ShouldBe((int)expected);
        json.GetProperty("title").GetString().ShouldNotBeNullOrEmpty();
        json.GetProperty("type").GetString().ShouldNotBeNullOrEmpty();
        json.GetProperty("detail").GetString().ShouldNotBeNullOrEmpty();
        if (code is not null)
        {
            json.GetProperty("type").GetString().ShouldBe($"urn:custos:problem:{code}");
        }

        foreach (var field in fields)
        {
            json.GetProperty("errors").TryGetProperty(field, out var messages).ShouldBeTrue($"errors.{field} in {json}");
            messages.GetArrayLength().ShouldBeGreaterThan(0);
        }

        return json;
    }
}
