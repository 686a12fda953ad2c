using Custos.Data;
using Custos.Data.Storage;
using Custos.DataPlane.Storage;
using Custos.DataPlane.Tests.Infrastructure;
using Custos.Domain.Organizations;
using Custos.Domain.Partners;
using Custos.Domain.Plans;
using Microsoft.Extensions.DependencyInjection;

namespace Custos.DataPlane.Tests.Restore;

/// One backed-up message as a test seeds it: where it is, its headers and its bytes.
public sealed record SeededMessage(Guid Id, Guid MailboxId, string Folder, string Subject, string From, DateTimeOffset? Date, DateTimeOffset BackedUpAt, byte[] Bytes);

/// A partner with an organization, and backed-up messages stored the way a backup run stores
/// them: content through <see cref="MessageStore.PutAsync"/>, one index row per message with its
/// Subject and From sealed under the organization's key.
public sealed class RestoreWorld(StorageFixture fixture)
{
    private long _uid;

    public static async Task<(Partner Partner, Guid Organization)> CreateOrganizationAsync(StorageFixture fixture)
    {
        return await fixture.Services.InDatabaseAsync(async db =>
        {
            var now = fixture.Clock.GetUtcNow();
            var unique = Guid.NewGuid().ToString("N")[..10];
            var partner = Partner.Create($"Restore {unique}", "DE", null, isDistributor: false, now).Value!;
            var plan = Plan.Create($"Backup {unique}", PlanType.Backup, 3m, "EUR", 100, now).Value!;
            var org = Organization.Create(
                new NewOrganization(new PersonalInfo("Ada", "Lovelace", $"ada.{unique}@example.test", "DE", $"Restore Org {unique}"), AutoLicense: false, Seats: 5),
                partner, plan, now).Value!;
            db.Partners.Add(partner);
            db.Plans.Add(plan);
            db.Organizations.Add(org);
            await db.SaveChangesAsync();
            return (partner, org.Id);
        });
    }

    public async Task<SeededMessage> SeedAsync(
        Guid organizationId, Guid mailboxId, string folder, string subject, string from, DateTimeOffset? date, byte[] bytes, DateTimeOffset? backedUpAt = null)
    {
        var stored = await fixture.Services.PutAsync(organizationId, bytes);
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        using var key = await scope.ServiceProvider.GetRequiredService<OrganizationKeys>().GetOrCreateAsync(db, organizationId, CancellationToken.None);
        var row = new BackedUpMessage
        {
            Id = Guid.NewGuid(),
            OrganizationId = organizationId,
            MailboxId = mailboxId,
            Folder = folder,
            UidValidity = 1,
            Uid = Interlocked.Increment(ref _uid),
            StoredMessageId = stored.Id,
            Date = date,
            LogicalBytes = bytes.Length,
            BackedUpAt = backedUpAt ?? fixture.Clock.GetUtcNow(),
        };
        row.SealedHeaders = MessageHeaders.Of(subject, from).Seal(key, row.Id);
        db.BackedUpMessages.Add(row);
        await db.SaveChangesAsync();
        return new SeededMessage(row.Id, mailboxId, folder, subject, from, date, row.BackedUpAt, bytes);
    }

    public static byte[] Mail(string subject, string from, string body) =>
        System.Text.Encoding.UTF8.GetBytes($"From: {from}\r\nSubject: {subject}\r\n\r\n{body}\r\n");
}
