using Custos.Domain.Organizations;
using Custos.Domain.Plans;

namespace Custos.Domain.Tests;

/// The full command × status matrix of the four lifecycle commands: every cell is either an
/// allowed row of the lifecycle table or a refusal that changes nothing.
public class TransitionTableTests
{
    public enum LifecycleCommand
    {
        Suspend,
        Unsubscribe,
        Reactivate,
        Delete,
    }

    [Theory]
    [InlineData(LifecycleCommand.Suspend, OrganizationStatus.Active, OrganizationStatus.Suspended)]
    [InlineData(LifecycleCommand.Unsubscribe, OrganizationStatus.Active, OrganizationStatus.Unsubscribed)]
    [InlineData(LifecycleCommand.Unsubscribe, OrganizationStatus.Suspended, OrganizationStatus.Unsubscribed)]
    [InlineData(LifecycleCommand.Reactivate, OrganizationStatus.Suspended, OrganizationStatus.Active)]
    [InlineData(LifecycleCommand.Reactivate, OrganizationStatus.Unsubscribed, OrganizationStatus.Active)]
    [InlineData(LifecycleCommand.Delete, OrganizationStatus.Active, OrganizationStatus.Deleted)]
    [InlineData(LifecycleCommand.Delete, OrganizationStatus.Suspended, OrganizationStatus.Deleted)]
    [InlineData(LifecycleCommand.Delete, OrganizationStatus.Unsubscribed, OrganizationStatus.Deleted)]
    public void Command_FromAllowedStatus_MovesToTargetAndRecordsIt(LifecycleCommand command, OrganizationStatus from, OrganizationStatus to)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: from);
        var version = org.Version;
        clock.Advance(TimeSpan.FromDays(1));

        Run(org, command, clock.GetUtcNow()).ShouldBeNull();

        org.Status.ShouldBe(to);
        org.Version.ShouldBe(version + 1);
        org.History[^1].Day.ShouldBe(new DateOnly(2026, 3, 16));
        org.History[^1].Status.ShouldBe(to);
    }

    [Theory]
    [InlineData(LifecycleCommand.Suspend, OrganizationStatus.Suspended, typeof(TransitionNotAllowed))]
    [InlineData(LifecycleCommand.Suspend, OrganizationStatus.Unsubscribed, typeof(TransitionNotAllowed))]
    [InlineData(LifecycleCommand.Suspend, OrganizationStatus.Deleted, typeof(TransitionNotAllowed))]
    [InlineData(LifecycleCommand.Unsubscribe, OrganizationStatus.Unsubscribed, typeof(TransitionNotAllowed))]
    [InlineData(LifecycleCommand.Unsubscribe, OrganizationStatus.Deleted, typeof(TransitionNotAllowed))]
    [InlineData(LifecycleCommand.Reactivate, OrganizationStatus.Active, typeof(TransitionNotAllowed))]
    [InlineData(LifecycleCommand.Reactivate, OrganizationStatus.Deleted, typeof(TransitionNotAllowed))]
    [InlineData(LifecycleCommand.Delete, OrganizationStatus.Deleted, typeof(AlreadyDeleted))]
    public void Command_FromForbiddenStatus_FailsAndChangesNothing(LifecycleCommand command, OrganizationStatus from, Type expectedError)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: from);
        var before = OrganizationSnapshot.Of(org);
        // A day later, so a history entry written by mistake would show up as a new row.
        clock.Advance(TimeSpan.FromDays(1));

        var error = Run(org, command, clock.GetUtcNow());

        error.ShouldNotBeNull().ShouldBeOfType(expectedError);
        if (error is TransitionNotAllowed refused)
        {
            refused.From.ShouldBe(from);
        }

        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    [Theory]
    [InlineData("ChangePlan", typeof(AlreadyDeleted))]
    [InlineData("ChangeSeats", typeof(AlreadyDeleted))]
    [InlineData("SetAutoLicense", typeof(AlreadyDeleted))]
    [InlineData("SetWorm", typeof(AlreadyDeleted))]
    [InlineData("SetDpo", typeof(AlreadyDeleted))]
    [InlineData("UpdatePersonalInfo", typeof(AlreadyDeleted))]
    [InlineData("ApproveByDpo", typeof(NothingAwaitsApproval))]
    public void AnyCommand_WhenDeleted_FailsAndChangesNothing(string command, Type expectedError)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Deleted);
        var before = OrganizationSnapshot.Of(org);
        clock.Advance(TimeSpan.FromDays(1));
        var now = clock.GetUtcNow();

        Error? error = command switch
        {
            "ChangePlan" => org.ChangePlan(Given.Plan(PlanType.Archiver, now), now).Error,
            "ChangeSeats" => org.ChangeSeats(20, now).Error,
            "SetAutoLicense" => org.SetAutoLicense(true, null, now).Error,
            "SetWorm" => org.SetWorm(true, now).Error,
            "SetDpo" => org.SetDpo(true, now).Error,
            "UpdatePersonalInfo" => org.UpdatePersonalInfo(Given.Info() with { Email = "new@example.com" }, now).Error,
            "ApproveByDpo" => org.ApproveByDpo(now).Error,
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, null),
        };

        error.ShouldNotBeNull().ShouldBeOfType(expectedError);
        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    [Theory]
    [InlineData("ChangePlan")]
    [InlineData("ChangeSeats")]
    public void SubscriptionChange_WhenUnsubscribed_AsksToReactivateFirst(string command)
    {
        var clock = Given.Clock();
        var org = Given.Organization(clock, status: OrganizationStatus.Unsubscribed);
        var before = OrganizationSnapshot.Of(org);
        var now = clock.GetUtcNow();

        var result = command switch
        {
            "ChangePlan" => org.ChangePlan(Given.Plan(PlanType.Archiver, now), now),
            "ChangeSeats" => org.ChangeSeats(20, now),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, null),
        };

        result.ShouldFailWith<TransitionNotAllowed>().From.ShouldBe(OrganizationStatus.Unsubscribed);
        OrganizationSnapshot.Of(org).ShouldBe(before);
    }

    private static Error? Run(Organization org, LifecycleCommand command, DateTimeOffset now) => command switch
    {
        LifecycleCommand.Suspend => org.Suspend(now).Error,
        LifecycleCommand.Unsubscribe => org.Unsubscribe(now, Given.Grace).Error,
        LifecycleCommand.Reactivate => org.Reactivate(now).Error,
        LifecycleCommand.Delete => org.Delete(now).Error,
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, null),
    };
}
