# A Keras 2 whole-model HDF5 file rewritten as the Keras 3 archive model.save('x.keras') writes for
# the same model (keras/src/saving/saving_lib.py, serialization_lib.py and functional.py's
# layouts): config.json with each layer's nodes as {args, kwargs} of Keras tensors, dtype
# policies, InputLayer's batch_shape, TensorFlow functions called on tensors as the keras.ops
# operations Keras 3 records for the same code (tf.image.resize as a Resizing layer), no '/' in
# names; metadata.json; model.weights.h5 with each layer's variables by position under
# layers/<class in snake case, numbered in layer order>/vars/<i>, nested models below their own
# path. The fixtures of the Keras 3 tests: the same weights as the .h5, so the same reference.
# No Keras here. Rerun (Debian python3-h5py): /usr/bin/python3 bench/keras3_from_h5.py IN.h5 OUT.keras
import io, json, re, sys, zipfile
import h5py

DTYPE = {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': None}
MODELS = {'Functional', 'Model', 'Sequential'}
OPS = {'__operators__.add': ('numpy', 'Add'), 'math.add': ('numpy', 'Add'), 'math.multiply': ('numpy', 'Multiply'), 'math.subtract': ('numpy', 'Subtract'),
       'math.truediv': ('numpy', 'TrueDivide'), 'nn.relu': ('nn', 'Relu'), 'math.sigmoid': ('nn', 'Sigmoid')}


def snake(name):  # keras.src.utils.naming.to_snake_case
    name = re.sub(r'\W+', '', name)
    name = re.sub('(.)([A-Z][a-z]+)', r'\1_\2', name)
    return re.sub('([a-z])([A-Z])', r'\1_\2', name).lower()


def clean(name):
    return name.replace('/', '_')


def kt(ref):
    return {'class_name': '__keras_tensor__', 'config': {'shape': None, 'dtype': 'float32', 'keras_history': [clean(ref[0]), ref[1], ref[2]]}}


def layer_config(cls, cfg):
    out = {k: v for k, v in cfg.items() if not re.search('_(initializer|regularizer|constraint)$', k)}
    out['name'] = clean(cfg['name'])
    if cls == 'InputLayer':
        return {'batch_shape': cfg['batch_input_shape'], 'dtype': 'float32', 'sparse': False, 'name': out['name']}
    out['dtype'] = DTYPE
    # Keras 3 serialises swish as silu; keras_zoo_export.py names Keras 3's own hard activations so.
    out['activation'] = {'swish': 'silu', 'keras3_hard_sigmoid': 'hard_sigmoid', 'keras3_hard_silu': 'hard_silu'}.get(out.get('activation'), out.get('activation'))
    if out['activation'] is None:
        del out['activation']
    return out


def convert_model(m):
    """A Keras 2 model config (class_name, config) as Keras 3's."""
    cls, cfg = m['class_name'], m['config']
    if cls == 'Sequential':
        layers = cfg['layers'] if isinstance(cfg, dict) else cfg
        out = [convert_model(l) if l['class_name'] in MODELS else {'module': 'keras.layers', 'class_name': l['class_name'], 'config': layer_config(l['class_name'], l['config']), 'registered_name': None}
               for l in layers]
        return {'module': 'keras', 'class_name': 'Sequential', 'config': {'name': cfg['name'], 'trainable': True, 'dtype': DTYPE, 'layers': out}, 'registered_name': None}
    out = []
    for l in cfg['layers']:
        name, lcls, lcfg = clean(l['name']), l['class_name'], l['config']
        if lcls == 'TFOpLambda':
            src, node, tensor, kw = l['inbound_nodes'][0]
            fn = lcfg['function']
            if fn == 'image.resize':
                out.append({'module': 'keras.layers', 'class_name': 'Resizing', 'config': {'name': name, 'trainable': True, 'dtype': DTYPE, 'height': kw['size'][0], 'width': kw['size'][1],
                            'interpolation': kw.get('method', 'bilinear'), 'crop_to_aspect_ratio': False, 'pad_to_aspect_ratio': False, 'fill_mode': 'constant', 'fill_value': 0.0,
                            'antialias': False, 'data_format': 'channels_last'}, 'registered_name': None, 'name': name, 'inbound_nodes': [{'args': [kt([src, node, tensor])], 'kwargs': {}}]})
                continue
            module, op = OPS[fn]
            args = [kt([src, node, tensor])]
            if 'y' in kw:
                args.append(kt(kw['y']) if isinstance(kw['y'], list) else kw['y'])
            out.append({'module': f'keras.src.ops.{module}', 'class_name': op, 'config': {'name': name}, 'registered_name': op, 'name': name, 'inbound_nodes': [{'args': args, 'kwargs': {}}]})
            continue
        nodes = []
        for n in l['inbound_nodes']:
            refs = [kt(r) for r in n]
            nodes.append({'args': [refs if lcls in ('Concatenate', 'Add', 'Multiply', 'Average', 'Maximum') else refs[0]], 'kwargs': {}})
        if lcls in MODELS:
            entry = convert_model(l)
            entry.update(name=name, inbound_nodes=nodes)
        else:
            entry = {'module': 'keras.layers', 'class_name': lcls, 'config': layer_config(lcls, lcfg), 'registered_name': None, 'name': name, 'inbound_nodes': nodes}
        out.append(entry)
    refs = lambda rs: [[clean(r[0]), r[1], r[2]] for r in rs]
    return {'module': 'keras', 'class_name': 'Functional', 'config': {'name': cfg['name'], 'trainable': True, 'layers': out, 'input_layers': refs(cfg['input_layers']),
            'output_layers': refs(cfg['output_layers'])}, 'registered_name': 'Functional'}


def weights_of(root):
    """Each layer's weights in its order, by layer name (a nested model's group holds its layers')."""
    out = {}
    for name in [n.decode() if isinstance(n, bytes) else n for n in root.attrs['layer_names']]:
        group = root[name]
        for w in [n.decode() if isinstance(n, bytes) else n for n in group.attrs.get('weight_names', [])]:
            out.setdefault(w.rsplit('/', 1)[0], []).append(group[w][()])
    return out


def save_weights(f, m, weights, where):
    """Variables of each layer of the (Keras 2) model config `m` under where/layers/<snake>_k/vars."""
    cls, cfg = m['class_name'], m['config']
    layers = (cfg['layers'] if isinstance(cfg, dict) else cfg) if cls == 'Sequential' else cfg['layers']
    used = {}
    for l in layers:
        lcls = l['class_name']
        if lcls == 'TFOpLambda' and l['config']['function'] != 'image.resize':
            continue  # operations are no layers
        if cls == 'Sequential' and lcls == 'InputLayer':
            continue
        s = snake('Resizing' if lcls == 'TFOpLambda' else lcls)
        used[s] = used[s] + 1 if s in used else 0
        path = f"{where}layers/{s}{'_' + str(used[s]) if used[s] else ''}"
        g = f.create_group(path).create_group('vars')
        if lcls in MODELS:
            save_weights(f, l, weights, path + '/')
            continue
        for i, v in enumerate(weights.get(l['config']['name'], [])):
            g[str(i)] = v


def convert(src, dst):
    with h5py.File(src, 'r') as f:
        m = json.loads(f.attrs['model_config'])
        weights = weights_of(f['model_weights'])
    buf = io.BytesIO()
    with h5py.File(buf, 'w') as f:
        f.create_group('vars')
        save_weights(f, m, weights, '')
    config = {**convert_model(m), 'compile_config': None}
    with zipfile.ZipFile(dst, 'w') as z:
        # Fixed dates: the same bytes on each run.
        for name, data in [('metadata.json', json.dumps({'keras_version': '3.6.0', 'date_saved': '2026-12-07@14:00:00'})), ('config.json', json.dumps(config)), ('model.weights.h5', buf.getvalue())]:
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 7, 14, 0, 0)), data)


if __name__ == '__main__':
    convert(sys.argv[1], sys.argv[2])
