using Custos.ControlPlane.Tests.Infrastructure;
using Custos.Data;
using Custos.Domain.Organizations;

namespace Custos.ControlPlane.Tests;

public abstract partial class OrganizationUseCaseTests
{
    public static TheoryData<CommandKind, string> OutOfScopeCases
    {
        get
        {
            var cases = new TheoryData<CommandKind, string>();
            foreach (var kind in Enum.GetValues<CommandKind>())
            {
                cases.Add(kind, "foreign tree");
                cases.Add(kind, "partner above");
            }

            return cases;
        }
    }

    public static TheoryData<CommandKind> AllCommands
    {
        get
        {
            var cases = new TheoryData<CommandKind>();
            foreach (var kind in Enum.GetValues<CommandKind>())
            {
                cases.Add(kind);
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(OutOfScopeCases))]
    public async Task Command_OnOrganizationOutsideScope_NotFoundAndNothingChanged(CommandKind kind, string owner)
    {
        var partner = owner == "foreign tree" ? Seed.Foreign : Seed.Distributor;
        var ownerScope = Scope.Partner(partner);
        var id = await CreateOrgAsync(partner);
        if (kind == CommandKind.Reactivate)
        {
            (await RunAsync(CommandKind.Suspend, Command(id, ownerScope))).ShouldBeNull();
        }

        var folder = WriteBlobs(id);
        var before = await LoadAsync(id);
        var rows = await CountRowsAsync();

        var error = await RunAsync(kind, Command(id));

        error.ShouldBeOfType<NotFound>();
        await ShouldBeUnchangedAsync(id, before);
        (await CountRowsAsync()).ShouldBe(rows);
        Directory.Exists(folder).ShouldBeTrue();

        // The same command from the owner's own scope goes through: only the scope stopped it.
        (await RunAsync(kind, Command(id, ownerScope))).ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task Command_OnSubPartnersOrganization_Succeeds(CommandKind kind)
    {
        var id = await CreateOrgAsync(Seed.SubPartner);
        if (kind == CommandKind.Reactivate)
        {
            (await RunAsync(CommandKind.Suspend, Command(id))).ShouldBeNull();
        }

        var version = (await LoadAsync(id)).Version;

        (await RunAsync(kind, Command(id))).ShouldBeNull();

        (await LoadAsync(id)).Version.ShouldBeGreaterThan(version);
    }

    [Fact]
    public async Task Command_FromSubPartnerOnItsParentsOrganization_NotFound()
    {
        var id = await CreateOrgAsync(Seed.Partner);
        var before = await LoadAsync(id);

        var error = await RunAsync(CommandKind.Suspend, Command(id, Scope.Partner(Seed.SubPartner)));

        error.ShouldBeOfType<NotFound>();
        await ShouldBeUnchangedAsync(id, before);
    }

    [Theory]
    [MemberData(nameof(AllCommands))]
    public async Task Command_WithStaleExpectedVersion_ConcurrentChangeAndNothingChanged(CommandKind kind)
    {
        var id = await CreateOrgAsync();
        if (kind == CommandKind.Reactivate)
        {
            (await RunAsync(CommandKind.Suspend, Command(id))).ShouldBeNull();
        }

        var seen = (await LoadAsync(id)).Version;
        (await ChangeSeatsAsync(Command(id), 15)).ShouldSucceed(); // someone else's change meanwhile
        var before = await LoadAsync(id);
        before.Version.ShouldNotBe(seen);
        var rows = await CountRowsAsync();

        var error = await RunAsync(kind, Command(id, expectedVersion: seen));

        error.ShouldBeOfType<ConcurrentChange>();
        await ShouldBeUnchangedAsync(id, before);
        (await CountRowsAsync()).ShouldBe(rows);
        (await RunAsync(kind, Command(id, expectedVersion: before.Version))).ShouldBeNull();
    }

    private async Task ShouldBeUnchangedAsync(Guid id, Organization before)
    {
        var after = await LoadAsync(id);
        after.Version.ShouldBe(before.Version);
        after.Status.ShouldBe(before.Status);
        after.PlanId.ShouldBe(before.PlanId);
        after.Seats.ShouldBe(before.Seats);
        after.AutoLicense.ShouldBe(before.AutoLicense);
        after.OwnerEmail.ShouldBe(before.OwnerEmail);
        after.Name.ShouldBe(before.Name);
        after.PurgeDueAt.ShouldBe(before.PurgeDueAt);
        after.PurgedAt.ShouldBe(before.PurgedAt);
        after.History.Count.ShouldBe(before.History.Count);
    }
}
