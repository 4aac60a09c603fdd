// Counts how often a value changed after it first became available (null = not
// yet), e.g. to refetch metric keys when runs start logging new ones, but not
// when the runs first arrive.
import { useRef } from "react";

export function useChangeCount(value: string | null): number {
  const state = useRef<{ value: string | null; count: number }>({ value: null, count: 0 });
  if (value !== null && value !== state.current.value) {
    if (state.current.value !== null) state.current.count += 1;
    state.current.value = value;
  }
  return state.current.count;
}
