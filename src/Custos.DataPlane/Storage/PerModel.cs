using System.Runtime.CompilerServices;
using Custos.Data;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Custos.DataPlane.Storage;

/// An EF Core compiled query serves one model only, and a process can have two (the SQLite and the
/// PostgreSQL context): this compiles the query once per model it meets.
internal sealed class PerModel<TQuery>(Func<TQuery> compile)
    where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _byModel = [];

    public TQuery For(AppDbContext db) => _byModel.GetValue(db.Model, _ => compile());
}
