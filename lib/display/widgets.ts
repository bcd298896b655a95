// Interactive controls as @jupyter-widgets models (the ipywidgets 8 protocol: widget messages
// 2.1, @jupyter-widgets/base and /controls 2.0.0), over the kernel's comms: JupyterLab 4,
// Notebook 7 and VS Code draw them with their widget manager. Moving a slider calls onChange in
// the kernel; what it displays with a displayId replaces that output in place. Where no widget
// manager runs (a saved notebook, nbconvert) the output shows the slider's value as text.
import { fail } from "../errors";
import { escapeHtml } from "./html";
import { kernel, type Comm } from "./sink";

const PROTOCOL = "2.1.0";
const BASE = { module: "@jupyter-widgets/base", version: "2.0.0" };
const CONTROLS = { module: "@jupyter-widgets/controls", version: "2.0.0" };
const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";

type State = Record<string, unknown>;

function openModel(state: State): Comm | null {
  const comms = kernel()?.comms;
  if (!comms) return null;
  return comms.open("jupyter.widget", { state, buffer_paths: [] }, { version: PROTOCOL });
}

function modelState(name: string, mod: { module: string; version: string }, view: string | null, viewMod: { module: string; version: string }, rest: State): State {
  return {
    _model_name: name,
    _model_module: mod.module,
    _model_module_version: mod.version,
    _view_name: view,
    _view_module: viewMod.module,
    _view_module_version: viewMod.version,
    _view_count: null,
    ...rest,
  };
}

export interface SliderOptions {
  min?: number;
  max?: number;
  step?: number;
  value?: number;
  description?: string;
  /** Call onChange while dragging (default: only when released). */
  continuousUpdate?: boolean;
  /** Runs in the kernel with the new value whenever the frontend moves the slider. */
  onChange?: (value: number) => void;
}

export interface Slider {
  readonly value: number;
  /** The widget's model id (null outside a kernel with comms). */
  readonly modelId: string | null;
  /** Sets the value from the kernel side (the frontend follows); does not call onChange. */
  set(value: number): void;
  close(): void;
}

/** An integer slider (IntSlider), displayed in the running cell. */
export function slider(opts: SliderOptions = {}): Slider {
  const min = opts.min ?? 0;
  const max = opts.max ?? 100;
  const step = opts.step ?? 1;
  for (const [k, v] of [["min", min], ["max", max], ["step", step]] as const) if (!Number.isInteger(v)) fail(`slider: ${k}`, v, "an integer");
  if (max < min) fail("slider: max", max, `at least min (${min})`);
  if (step <= 0) fail("slider: step", step, "a positive integer");
  let value = opts.value ?? min;
  if (!Number.isInteger(value) || value < min || value > max) fail("slider: value", value, `an integer in [${min}, ${max}]`);
  const description = opts.description ?? "";
  const layout = openModel(modelState("LayoutModel", BASE, "LayoutView", BASE, {}));
  const style = layout && openModel(modelState("SliderStyleModel", CONTROLS, "StyleView", BASE, { description_width: "", handle_color: null }));
  const state = (): State =>
    modelState("IntSliderModel", CONTROLS, "IntSliderView", CONTROLS, {
      value,
      min,
      max,
      step,
      description,
      description_allow_html: false,
      continuous_update: !!opts.continuousUpdate,
      orientation: "horizontal",
      readout: true,
      readout_format: "d",
      disabled: false,
      behavior: "drag-tap",
      tabbable: null,
      tooltip: null,
      _dom_classes: [],
      layout: layout ? `IP_MODEL_ID:${layout.id}` : null,
      style: style ? `IP_MODEL_ID:${style.id}` : null,
    });
  const comm = style ? openModel(state()) : null;
  const text = () => `IntSlider(value=${value}, min=${min}, max=${max}, step=${step}${description ? `, description=${JSON.stringify(description)}` : ""})`;
  comm?.onMsg((data) => {
    const method = data.method;
    if (method === "request_state") comm.send({ method: "update", state: state(), buffer_paths: [] });
    else if (method === "update") {
      const v = (data.state as State | undefined)?.value;
      if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max || v === value) return;
      value = v;
      // The frontend applied the change itself; echo it so other views of the model agree.
      comm.send({ method: "echo_update", state: { value }, buffer_paths: [] });
      opts.onChange?.(value);
    }
  });
  kernel()?.display({
    ...(comm ? { [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: comm.id } } : {}),
    "text/html": `<code>${escapeHtml(text())}</code> <i>(interactive where a Jupyter widget manager runs with the kernel)</i>`,
    "text/plain": text(),
  });
  return {
    get value() {
      return value;
    },
    modelId: comm ? comm.id : null,
    set(v: number) {
      if (!Number.isInteger(v) || v < min || v > max) fail("slider.set: value", v, `an integer in [${min}, ${max}]`);
      value = v;
      comm?.send({ method: "update", state: { value }, buffer_paths: [] });
    },
    close() {
      for (const c of [comm, style, layout]) c?.close();
    },
  };
}
