-- What one credit of p_seconds, ending at p_at, does to a day row: the one definition of the
-- credit's clamps and of the break count. Returns
--   granted   what the row takes: everything for exempt educational viewing (p_exempt), else
--             never past the budget (vt_grantable) nor past the break's start; nothing while a
--             break runs, and of a stretch a break ended in, only the part after its end;
--   counted   the part that goes to used_seconds (all of granted unless exempt);
--   continuous, counted_at, break_until: the break count after it. Continuous viewing counts the
--             seconds counted to used_seconds; a stretch of break_minutes with nothing counted
--             before this credit resets it to 0. When it reaches after_minutes the break starts at
--             that instant (the credit is clamped there), lasts break_minutes, and the count
--             starts again from 0 at its end;
--   started   whether this credit started a break.
-- SQL returning a set, so a caller's subquery inlines it.
create or replace function vt_count(
  p_seconds integer, p_exempt boolean, p_at timestamptz, p_used integer, p_bonus integer, p_limit integer, p_unlimited boolean,
  p_after integer, p_break integer, p_continuous integer, p_counted_at timestamptz, p_break_until timestamptz)
returns table (granted integer, counted integer, continuous integer, counted_at timestamptz, break_until timestamptz, started boolean)
language sql immutable
as $function$
  select case when p_exempt then p_seconds when k.starts then k.room else k.budget end,
         case when p_exempt then 0 when k.starts then k.room else k.budget end,
         case when not k.ruled then p_continuous when k.starts then 0 when k.budget > 0 then k.base + k.budget else p_continuous end,
         case when not k.ruled then p_counted_at when k.starts then k.from_at + make_interval(secs => k.room + p_break * 60)
              when k.budget > 0 then k.from_at + make_interval(secs => k.budget) else p_counted_at end,
         case when k.starts then k.from_at + make_interval(secs => k.room + p_break * 60) else p_break_until end,
         k.starts
    from (select j.*, j.ruled and j.budget > 0 and j.budget >= j.room as starts
            from (select i.*, greatest(p_after * 60 - i.base, 0) as room
                    from (select h.*, vt_grantable(h.seconds, false, p_used, p_bonus, p_limit, p_unlimited) as budget,
                                 case when p_counted_at is null or h.from_at - p_counted_at >= make_interval(mins => p_break) then 0 else p_continuous end as base
                            from (select g.*, p_at - make_interval(secs => g.seconds) as from_at
                                    from (select p_after is not null and not p_exempt as ruled,
                                                 -- a break running, or ended within this stretch: only what follows it counts
                                                 case when p_exempt or p_break_until is null or p_break_until <= p_at - make_interval(secs => p_seconds) then p_seconds
                                                      else greatest(0, least(p_seconds, floor(extract(epoch from p_at - p_break_until))::integer)) end as seconds) g) h) i) j) k
$function$;
