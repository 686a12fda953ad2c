using Custos.ControlPlane.Audit;
using Custos.ControlPlane.Organizations;
using Custos.Domain.Audit;

namespace Custos.ControlPlane.Tests;

public abstract partial class OrganizationUseCaseTests
{
    private static readonly Actor AsClient = new("owner-login", "Olga Owner", "user-bob", "Bob Partner");

    public static TheoryData<CommandKind> CommandsForAudit() => [.. Enum.GetValues<CommandKind>().Where(k => k != CommandKind.Reactivate)];

    [Theory]
    [MemberData(nameof(CommandsForAudit))]
    public async Task EveryCommand_RecordsTheActorAndTheImpersonatorBehindIt(CommandKind kind)
    {
        var orgId = await CreateOrgAsync();

        (await RunAsync(kind, new OrganizationCommand(Acting, AsClient, orgId))).ShouldBeNull();

        var last = (await AuditOfAsync(orgId)).Last(a => a.ActorId != Actor.System.Id);
        last.ActorId.ShouldBe(AsClient.Id);
        last.ActorName.ShouldBe(AsClient.Name);
        last.ImpersonatorId.ShouldBe(AsClient.ImpersonatorId);
        last.ImpersonatorName.ShouldBe(AsClient.ImpersonatorName);
        AuditEventNames.Who(last.ActorName, last.ImpersonatorName).ShouldBe("Olga Owner (as client, by Bob Partner)");
    }

    [Fact]
    public async Task AuditJournal_IsScopedToTheSubtree_FilteredAndPagedByKeyset()
    {
        var mine = await CreateOrgAsync();
        var sub = await CreateOrgAsync(Seed.SubPartner);
        var foreign = await CreateOrgAsync(Seed.Foreign);
        (await RunAsync(CommandKind.Suspend, new OrganizationCommand(Acting, AsClient, mine))).ShouldBeNull();

        var page = await ReadAsync(db => new ListAuditEntries(db).PageAsync(Acting, new AuditQuery(), default));
        var ids = new List<Guid?>();
        var seen = new List<long>();
        var query = new AuditQuery();
        while (true)
        {
            var p = await ReadAsync(db => new ListAuditEntries(db).PageAsync(Acting, query, default));
            ids.AddRange(p.Rows.Select(r => r.OrganizationId));
            seen.AddRange(p.Rows.Select(r => r.Id));
            if (p.NextBefore is not { } next)
            {
                break;
            }

            query = query with { Before = next };
        }

        seen.ShouldBe(seen.OrderByDescending(i => i).ToList());
        seen.ShouldBeUnique();
        ids.ShouldContain(mine);
        ids.ShouldContain(sub);
        ids.ShouldNotContain(foreign);
        page.Rows.Count.ShouldBeLessThanOrEqualTo(ListAuditEntries.PageSize);

        var suspended = await ReadAsync(db => new ListAuditEntries(db).PageAsync(Acting,
            new AuditQuery(Actor: "BOB part", EventType: AuditEventType.OrganizationSuspended, OrganizationId: mine), default));
        suspended.Rows.ShouldHaveSingleItem().Who.ShouldBe("Olga Owner (as client, by Bob Partner)");

        var literal = await ReadAsync(db => new ListAuditEntries(db).PageAsync(Acting, new AuditQuery(Actor: "%"), default));
        literal.Rows.ShouldBeEmpty();

        var today = DayOf(Clock.GetUtcNow());
        var none = await ReadAsync(db => new ListAuditEntries(db).PageAsync(Acting,
            new AuditQuery(From: today.AddDays(1), OrganizationId: mine), default));
        none.Rows.ShouldBeEmpty();
        var within = await ReadAsync(db => new ListAuditEntries(db).PageAsync(Acting,
            new AuditQuery(From: today, To: today, OrganizationId: mine), default));
        within.Rows.Count.ShouldBe(2);
    }
}
