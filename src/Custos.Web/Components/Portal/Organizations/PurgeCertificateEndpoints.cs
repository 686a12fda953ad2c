using System.Text;
using Custos.Data;
using Custos.DataPlane.Storage;
using Custos.Web.Hosting;

namespace Custos.Web.Components.Portal.Organizations;

/// Downloads of purge certificates: a partner user for an organization in its scope (deleted ones
/// included; another partner's organization answers 404), the operator for any organization, and
/// the platform's public signing key to verify them with.
public static class PurgeCertificateEndpoints
{
    public static void MapPurgeCertificates(this IEndpointRouteBuilder app)
    {
        app.MapGet("/organizations/{id:guid}/purge-certificate", async (Guid id, PartnerContext partner, AppDbContext db, CancellationToken ct) =>
            Download(await db.FindAsync(db.InScope(partner.Scope), id, ct)))
            .RequireAuthorization(Policies.Partner);

        app.MapGet("/operator/organizations/{id:guid}/purge-certificate", async (Guid id, AppDbContext db, CancellationToken ct) =>
            Download(await db.FindAsync(db.InScope(Scope.Everything), id, ct)))
            .RequireAuthorization(Policies.Operator);

        app.MapGet("/operator/purge-certificates/signing-key.pem", (PlatformKeys keys) =>
            Results.File(Encoding.ASCII.GetBytes(SigningKeyPem(keys)), "application/x-pem-file", $"custos-signing-key-{keys.SigningKeyId}.pem"))
            .RequireAuthorization(Policies.Operator);
    }

    public static string SigningKeyPem(PlatformKeys keys) => new(System.Security.Cryptography.PemEncoding.Write("PUBLIC KEY", keys.SigningPublicKey));

    private static IResult Download(PurgeCertificateFile? certificate) =>
        certificate is null
            ? Results.NotFound()
            : Results.File(Encoding.UTF8.GetBytes(certificate.Json), "application/json", certificate.FileName);
}
