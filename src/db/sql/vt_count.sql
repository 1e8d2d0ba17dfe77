-- What one credit of p_seconds, ending at p_at, does to a day row: the one definition of the
-- credit's clamps and of the break count. Returns
--   granted   what the row takes: everything for exempt educational viewing (p_exempt), else
--             never past the allowance (vt_remaining) nor past the break's start; nothing while a
--             break runs, and of a stretch a break ended in, only the part after its end;
--   counted   the part that goes to used_seconds (all of granted unless exempt);
--   continuous, counted_at, break_until: the break count after it. Continuous viewing counts the
--             seconds counted to used_seconds; a stretch of break_minutes with nothing counted
--             before this credit resets it to 0. When it reaches after_minutes the break starts at
--             that instant (the credit is clamped there), lasts break_minutes, and the count
--             starts again from 0 at its end;
--   started   whether this credit started a break.
-- PL/pgSQL made of simple expressions only, which it evaluates without planning. (As an inlined
-- SQL function its nested subqueries made vt_credit's UPDATE five times dearer to plan, on every
-- batch: measured with track_functions, docs/benchmarks.md.)
create or replace function vt_count(
  p_seconds integer, p_exempt boolean, p_at timestamptz, p_day viewing_time_balances,
  out granted integer, out counted integer, out continuous integer, out counted_at timestamptz, out break_until timestamptz, out started boolean)
language plpgsql immutable
as $function$
declare
  p_after integer := p_day.break_after_minutes;
  p_break integer := p_day.break_minutes;
  p_continuous integer := p_day.continuous_seconds;
  p_counted_at timestamptz := p_day.counted_at;
  p_break_until timestamptz := p_day.break_until;
  ruled boolean := p_after is not null and not p_exempt;
  seconds integer;
  from_at timestamptz;
  budget integer;
  base integer;
  room integer;
begin
  -- a break running, or ended within this stretch: only what follows it counts
  seconds := case when p_exempt or p_break_until is null or p_break_until <= p_at - make_interval(secs => p_seconds) then p_seconds
                  else greatest(0, least(p_seconds, floor(extract(epoch from p_at - p_break_until))::integer)) end;
  from_at := p_at - make_interval(secs => seconds);
  budget := least(seconds, coalesce(vt_remaining(p_day), seconds));
  base := case when p_counted_at is null or from_at - p_counted_at >= make_interval(mins => p_break) then 0 else p_continuous end;
  room := greatest(p_after * 60 - base, 0);
  started := coalesce(ruled and budget > 0 and budget >= room, false);
  granted := case when p_exempt then p_seconds when started then room else budget end;
  counted := case when p_exempt then 0 when started then room else budget end;
  continuous := case when not ruled then p_continuous when started then 0 when budget > 0 then base + budget else p_continuous end;
  counted_at := case when not ruled then p_counted_at when started then from_at + make_interval(secs => room + p_break * 60)
                     when budget > 0 then from_at + make_interval(secs => budget) else p_counted_at end;
  break_until := case when started then from_at + make_interval(secs => room + p_break * 60) else p_break_until end;
end
$function$;
